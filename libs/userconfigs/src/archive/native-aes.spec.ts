import { createCipheriv, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { collect, craftArchive, tempDir } from '../../test/craft';
import type * as Codec from './config-archive';
import { LZ4_MAGIC_BYTES } from './lz4-frame-format';
import { AES_BLOCK, nativeAes, type NativeAes } from './native-aes';
import { NativeDecryptStage } from './native-decrypt-stage';
import { nativeLz4 } from './native-lz4';
import { NativeLz4FrameDecoder } from './native-lz4-decoder';

function aes(): NativeAes {
  const found = nativeAes();
  if (!found) throw new Error("koffi cannot reach Node's own OpenSSL on this test host");
  return found;
}

function encrypt(key: Buffer, iv: Buffer, plain: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([cipher.update(plain), cipher.final()]);
}

describe("AES-256-CBC by Node's own OpenSSL", () => {
  const key = randomBytes(32);
  const iv = randomBytes(AES_BLOCK);

  it.each([0, 1, 15, 16, 17, 4095, 100_000])(
    'encrypts %i bytes as node:crypto does, mixing calls here and on a worker',
    async (length) => {
      const lz4 = nativeLz4();
      if (!lz4) throw new Error('liblz4 or koffi cannot be loaded on this test host');
      const plain = randomBytes(length);
      const c = aes().cipher(key, iv);
      const src = lz4.allocate(Math.max(1, length));
      const dst = lz4.allocate(length + AES_BLOCK);
      plain.copy(src.bytes);
      const out: Buffer[] = [];
      // The first 5 bytes here, the bulk on a worker, the last 3 here again: one CBC chain.
      const head = Math.min(5, length);
      const tail = Math.min(3, length - head);
      const mid = length - head - tail;
      const scratch = Buffer.alloc(length + AES_BLOCK);
      out.push(Buffer.from(scratch.subarray(0, c.update(plain.subarray(0, head), scratch))));
      if (mid > 0) {
        plain.copy(src.bytes, 0, head, head + mid);
        const n = await c.updateOnWorker(src.pointer, mid, dst.pointer);
        out.push(Buffer.from(dst.bytes.subarray(0, n)));
      }
      out.push(Buffer.from(scratch.subarray(0, c.update(plain.subarray(head + mid), scratch))));
      out.push(Buffer.from(scratch.subarray(0, c.final(scratch))));
      c.free();
      src.free();
      dst.free();
      expect(Buffer.concat(out).equals(encrypt(key, iv, plain))).toBe(true);
    },
  );

  it('refuses a wrong key size or a freed context, and a too small output buffer', async () => {
    expect(() => aes().cipher(randomBytes(16), iv)).toThrow(RangeError);
    const c = aes().cipher(key, iv);
    expect(() => c.update(Buffer.alloc(32), Buffer.alloc(40))).toThrow(/too small/);
    c.free();
    expect(() => c.update(Buffer.alloc(16), Buffer.alloc(32))).toThrow(/freed/);
    await expect(c.updateOnWorker(null, 0, null)).rejects.toThrow(/freed/);
  });

  it.each([0, 1, 15, 16, 17, 4095, 100_000])(
    'decrypts %i bytes node:crypto encrypted, however the input is cut',
    (length) => {
      const plain = randomBytes(length);
      const sealed = encrypt(key, iv, plain);
      for (const cut of [1, 5, 16, 33, 4096]) {
        const d = aes().decipher(key, iv);
        const out = Buffer.alloc(sealed.length + AES_BLOCK);
        let n = 0;
        for (let at = 0; at < sealed.length; at += cut) {
          n += d.update(sealed.subarray(at, at + cut), out.subarray(n));
        }
        const last = d.final(out.subarray(n));
        d.free();
        expect(last).not.toBe(false);
        expect(out.subarray(0, n + (last as number)).equals(plain)).toBe(true);
      }
    },
  );

  it('tells bad padding (a wrong key) by final() returning false', () => {
    const sealed = encrypt(key, iv, Buffer.from('some settings'));
    const d = aes().decipher(randomBytes(32), iv);
    const out = Buffer.alloc(64);
    d.update(sealed, out);
    // A random key passes the padding check about once in 256 tries: try a few keys.
    let refused = d.final(out) === false;
    d.free();
    for (let i = 0; i < 8 && !refused; i++) {
      const other = aes().decipher(randomBytes(32), iv);
      other.update(sealed, out);
      refused = other.final(out) === false;
      other.free();
    }
    expect(refused).toBe(true);
  });

  it('refuses wrong key or IV sizes, a too small output, and use after free', () => {
    expect(() => aes().decipher(randomBytes(16), iv)).toThrow(RangeError);
    expect(() => aes().decipher(key, randomBytes(8))).toThrow(RangeError);
    const d = aes().decipher(key, iv);
    expect(() => d.update(Buffer.alloc(32), Buffer.alloc(32))).toThrow(/too small/);
    expect(() => d.final(Buffer.alloc(8))).toThrow(/too small/);
    d.free();
    d.free(); // twice is harmless
    expect(() => d.update(Buffer.alloc(16), Buffer.alloc(32))).toThrow(/freed/);
  });
});

describe('NativeDecryptStage', () => {
  it('frees its AES context when the decoder is destroyed mid-stream, and at the end', async () => {
    const lz4 = nativeLz4();
    if (!lz4) throw new Error('liblz4.so.1 or koffi cannot be loaded on this test host');
    let live = 0;
    const counted: NativeAes = {
      cipher: (k, i) => aes().cipher(k, i),
      decipher: (k, i) => {
        const d = aes().decipher(k, i);
        live++;
        let freed = false;
        return {
          ...d,
          free: () => {
            if (!freed) live--;
            freed = true;
            d.free();
          },
        };
      },
    };
    const archive = await craftArchive([{ name: 'big', content: 'z'.repeat(3_000_000) }], 'T');
    const decoder = new NativeLz4FrameDecoder(lz4, new NativeDecryptStage(counted, 'T', LZ4_MAGIC_BYTES));
    Readable.from([archive.subarray(0, 1_500_000)]).pipe(decoder);
    await new Promise((resolve) => decoder.once('data', resolve));
    expect(live).toBe(1);
    decoder.destroy();
    for (let i = 0; i < 100 && live > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(live).toBe(0);

    const whole = new NativeLz4FrameDecoder(lz4, new NativeDecryptStage(counted, 'T', LZ4_MAGIC_BYTES));
    const tar = await collect(Readable.from([archive]).pipe(whole) as unknown as Readable);
    expect(tar.length % 512).toBe(0);
    for (let i = 0; i < 100 && live > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(live).toBe(0);
  });

  it("is left out where Node's OpenSSL cannot be reached: node:crypto decrypts instead", async () => {
    let codec: typeof Codec | undefined;
    jest.isolateModules(() => {
      jest.doMock('./native-aes', () => ({
        ...jest.requireActual('./native-aes'),
        nativeAes: () => undefined,
      }));
      codec = require('./config-archive') as typeof Codec;
    });
    const tmp = await tempDir();
    try {
      const archive = await craftArchive([{ name: 'a', content: 'fallback' }], 'T');
      const { unpackConfigArchive } = codec as typeof Codec;
      await unpackConfigArchive(Readable.from([archive]), 'T', tmp.path, { lz4: 'native' });
      const { readFile } = await import('node:fs/promises');
      expect(await readFile(`${tmp.path}/a`, 'utf8')).toBe('fallback');
      await expect(unpackConfigArchive(Readable.from([archive]), 'wrong', `${tmp.path}/x`)).rejects.toThrow(
        expect.objectContaining({ code: 'DECRYPT' }),
      );
    } finally {
      await tmp.cleanup();
    }
  });
});

import { waitUntil } from '@tools/testing';
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as tick } from 'node:timers/promises';
import { ConfigCorruptError, ConfigIoError } from '../errors';
import { buildSampleTree, collect, snapshotTree, tempDir } from '../../test/craft';
import type * as Codec from './config-archive';
import { Lz4FrameDecoder } from './lz4-frame-decoder';
import { Lz4FrameEncoder } from './lz4-frame-encoder';
import { Ciphertext, NativeCiphertext } from './ciphertext';
import { NativeArchiveSink } from './native-archive-sink';
import { nativeLz4, type NativeLz4 } from './native-lz4';
import { NativeLz4FrameDecoder } from './native-lz4-decoder';
import { nativeAes, type NativeCipher } from './native-aes';
import { deriveOpensslEncryption, OpensslDecryptStream } from './openssl-cipher';
import { LZ4_MAGIC_BYTES } from './lz4-frame-format';
import { packTar } from './tar-pack';

jest.setTimeout(30_000);

type CodecModule = typeof Codec;

/** liblz4 with a ledger of what is live: contexts (decompression, hash) and native buffers. */
function ledgered(): { lz4: NativeLz4; live: () => { contexts: number; buffers: number } } {
  const real = nativeLz4();
  if (!real) throw new Error('liblz4.so.1 or koffi cannot be loaded on this test host');
  let contexts = 0;
  let buffers = 0;
  const lz4: NativeLz4 = {
    ...real,
    allocate: (size) => {
      const b = real.allocate(size);
      buffers++;
      let freed = false;
      return {
        ...b,
        free: () => {
          if (!freed) buffers--;
          freed = true;
          b.free();
        },
      };
    },
    hash: () => {
      const h = real.hash();
      contexts++;
      return { ...h, free: () => (contexts--, h.free()) };
    },
    createDecompressionContext: () => (contexts++, real.createDecompressionContext()),
    freeDecompressionContext: (ctx) => (contexts--, real.freeDecompressionContext(ctx)),
  };
  return { lz4, live: () => ({ contexts, buffers }) };
}

/** Node's own OpenSSL encrypting on a worker, with a ledger of its live contexts. */
function ledgeredCipher(wrap: (c: NativeCipher) => NativeCipher = (c) => c): {
  make: (key: Buffer, iv: Buffer) => NativeCipher;
  live: () => number;
} {
  const aes = nativeAes();
  if (!aes) throw new Error("koffi cannot reach Node's own OpenSSL on this test host");
  let live = 0;
  return {
    make: (key, iv) => {
      const c = aes.cipher(key, iv);
      live++;
      let freed = false;
      return wrap({
        ...c,
        free: () => {
          if (!freed) live--;
          freed = true;
          c.free();
        },
      });
    },
    live: () => live,
  };
}

/**
 * Packs `dir` through a NativeArchiveSink (node:crypto encrypting here, or `cipher`'s on a worker);
 * resolves with the archive, closing the sink always.
 */
async function packNative(
  lz4: NativeLz4,
  dir: string,
  signal?: AbortSignal,
  cipher?: (key: Buffer, iv: Buffer) => NativeCipher,
): Promise<Buffer> {
  const { key, iv, header } = await deriveOpensslEncryption('T');
  const sink = new NativeArchiveSink(
    lz4,
    cipher
      ? new NativeCiphertext(cipher(key, iv), lz4, header, dir)
      : new Ciphertext(createCipheriv('aes-256-cbc', key, iv), header, dir),
  );
  const out: Buffer[] = [];
  try {
    for await (const b of packTar(dir, sink, { signal })) out.push(b);
    out.push(...(await sink.finish()));
  } finally {
    await sink.close();
  }
  return Buffer.concat(out);
}

/** The tar stream inside an archive, decoded by `decoder`. */
function tarOf(archive: Buffer, decoder: NodeJS.ReadWriteStream): Promise<Buffer> {
  const plain = Readable.from([archive]).pipe(new OpensslDecryptStream('T', LZ4_MAGIC_BYTES));
  return collect(plain.pipe(decoder) as unknown as Readable);
}

describe('LZ4 through liblz4', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let src: string;
  beforeAll(async () => {
    tmp = await tempDir();
    src = join(tmp.path, 'src');
    await buildSampleTree(src);
    // Several 4 MB blocks, compressible and not, so blocks queue behind the one in flight.
    await writeFile(join(src, 'noise.bin'), randomBytes(9 * 1024 * 1024));
    await writeFile(join(src, 'text.txt'), 'setting = value\n'.repeat(700_000));
  });
  afterAll(() => tmp.cleanup());

  it('packs a frame the TypeScript decoder reads, and frees every context and buffer', async () => {
    const { lz4, live } = ledgered();
    const archive = await packNative(lz4, src);
    expect(live()).toEqual({ contexts: 0, buffers: 0 });
    const viaNative = await tarOf(archive, new NativeLz4FrameDecoder(lz4));
    const viaTs = await tarOf(archive, new Lz4FrameDecoder());
    expect(viaNative.equals(viaTs)).toBe(true);
    expect(viaTs.length).toBeGreaterThan(18 * 1024 * 1024);
    await tick();
    expect(live()).toEqual({ contexts: 0, buffers: 0 });
  });

  it("packs the same frame with Node's OpenSSL encrypting on a worker, and frees its context", async () => {
    const { lz4, live } = ledgered();
    const cipher = ledgeredCipher();
    const archive = await packNative(lz4, src, undefined, cipher.make);
    expect([live(), cipher.live()]).toEqual([{ contexts: 0, buffers: 0 }, 0]);
    const viaWorker = await tarOf(archive, new Lz4FrameDecoder());
    const viaHere = await tarOf(await packNative(lz4, src), new Lz4FrameDecoder());
    expect(viaWorker.equals(viaHere)).toBe(true);
  });

  it('fails the pack with a ConfigIoError when encryption on the worker fails, and frees everything', async () => {
    const { lz4, live } = ledgered();
    let calls = 0;
    const cipher = ledgeredCipher((c) => ({
      ...c,
      updateOnWorker: (input, length, out) =>
        ++calls === 2
          ? Promise.reject(new Error('EVP_EncryptUpdate failed'))
          : c.updateOnWorker(input, length, out),
    }));
    await expect(packNative(lz4, src, undefined, cipher.make)).rejects.toThrow(ConfigIoError);
    expect(calls).toBeGreaterThanOrEqual(2);
    expect([live(), cipher.live()]).toEqual([{ contexts: 0, buffers: 0 }, 0]);
  });

  it.each([
    ['node:crypto', false],
    ["Node's OpenSSL on a worker", true],
  ])('frees them when the walk is aborted mid-pack (%s)', async (_name, onWorker) => {
    const { lz4, live } = ledgered();
    const cipher = ledgeredCipher();
    const controller = new AbortController();
    const reason = new Error('session gone');
    const pending = packNative(lz4, src, controller.signal, onWorker ? cipher.make : undefined);
    setTimeout(() => controller.abort(reason), 5);
    await expect(pending).rejects.toBe(reason);
    expect([live(), cipher.live()]).toEqual([{ contexts: 0, buffers: 0 }, 0]);
  });

  it('fails the pack with a ConfigIoError when liblz4 fails, and still frees everything', async () => {
    const { lz4, live } = ledgered();
    const failing: NativeLz4 = { ...lz4, compressBlock: () => Promise.reject(new Error('ERROR_GENERIC')) };
    await expect(packNative(failing, src)).rejects.toThrow(ConfigIoError);
    expect(live()).toEqual({ contexts: 0, buffers: 0 });
  });

  it('frees the decoder’s context and buffers when destroyed with a call in flight, or on a defect', async () => {
    const { lz4, live } = ledgered();
    const archive = await packNative(lz4, src);
    const decoder = new NativeLz4FrameDecoder(lz4);
    const plain = Readable.from([archive]).pipe(new OpensslDecryptStream('T', LZ4_MAGIC_BYTES));
    plain.pipe(decoder);
    await new Promise((resolve) => decoder.once('data', resolve));
    decoder.destroy();
    plain.destroy();
    await waitUntil('the decoder to free its context', () => live().contexts === 0);
    expect(live()).toEqual({ contexts: 0, buffers: 0 });

    const broken = Buffer.from(await tarOf(archive, new Lz4FrameDecoder()));
    const frame = Buffer.concat([LZ4_MAGIC_BYTES, Buffer.from([0x64, 0x70, 0xb9]), Buffer.alloc(4, 0xff)]);
    await expect(
      pipeline(
        Readable.from([frame, broken.subarray(0, 1000)]),
        new NativeLz4FrameDecoder(lz4),
        async (s) => {
          for await (const chunk of s) void chunk;
        },
      ),
    ).rejects.toThrow(ConfigCorruptError);
    await tick();
    expect(live()).toEqual({ contexts: 0, buffers: 0 });
  });
});

describe('the liblz4 decoder and a slow reader', () => {
  const MB = 1024 * 1024;
  const SIZE = 32 * MB;
  // SIZE of zeros: a frame of a few hundred KB, so its one input batch decodes to all of it.
  let frame: Buffer;
  beforeAll(async () => {
    frame = await collect(Readable.from([Buffer.alloc(SIZE)]).pipe(new Lz4FrameEncoder()));
  });

  it('holds at most about its high-water mark of decoded bytes until the reader takes them', async () => {
    const { lz4, live } = ledgered();
    expect(frame.length).toBeLessThan(MB);
    const decoder = new NativeLz4FrameDecoder(lz4);
    decoder.end(frame);
    // Nobody reads: the decode stops once the readable side is past its mark (8 MB), one 4 MB block over at most.
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 10));
    expect(decoder.readableLength).toBeGreaterThan(0);
    expect(decoder.readableLength).toBeLessThanOrEqual(12 * MB);
    let total = 0;
    for await (const chunk of decoder) {
      expect((chunk as Buffer).every((b) => b === 0)).toBe(true);
      total += (chunk as Buffer).length;
    }
    expect(total).toBe(SIZE);
    await tick();
    expect(live()).toEqual({ contexts: 0, buffers: 0 });
  });

  it('frees everything when destroyed while it waits for the reader', async () => {
    const { lz4, live } = ledgered();
    const decoder = new NativeLz4FrameDecoder(lz4);
    decoder.end(frame);
    await waitUntil('decoded output', () => decoder.readableLength > 0);
    expect(decoder.readableLength).toBeGreaterThan(0);
    decoder.destroy();
    await waitUntil('the decoder to free its context', () => live().contexts === 0);
    expect(live()).toEqual({ contexts: 0, buffers: 0 });
  });
});

describe('choosing the LZ4 engine', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    tmp = await tempDir();
    await mkdir(join(tmp.path, 'src'));
    await buildSampleTree(join(tmp.path, 'src'));
  });
  afterAll(() => tmp.cleanup());

  it('refuses "native" where liblz4 cannot be loaded, and "auto" falls back to TypeScript', async () => {
    let archive: CodecModule | undefined;
    jest.isolateModules(() => {
      jest.doMock('./native-lz4', () => ({
        ...jest.requireActual('./native-lz4'),
        nativeLz4: () => undefined,
      }));
      archive = require('./config-archive') as CodecModule;
    });
    const { packConfigArchive, unpackConfigArchive } = archive as CodecModule;
    const src = join(tmp.path, 'src');
    // (isolateModules loaded its own copy of the error classes: match on the code.)
    expect(() => packConfigArchive(src, 'T', { lz4: 'native' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
    expect(() => packConfigArchive(src, 'T', { lz4: 'native' })).toThrow(/liblz4/);
    const packed = await collect(packConfigArchive(src, 'T'));
    await expect(
      unpackConfigArchive(Readable.from([packed]), 'T', join(tmp.path, 'x'), { lz4: 'native' }),
    ).rejects.toThrow(/liblz4/);
    const dst = join(tmp.path, 'dst');
    await unpackConfigArchive(Readable.from([packed]), 'T', dst);
    expect(await snapshotTree(dst)).toEqual(await snapshotTree(src));
    jest.dontMock('./native-lz4');
  });
});

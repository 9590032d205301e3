import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Lz4BlockCompressor, lz4CompressBound } from './lz4-block-compressor';
import { Lz4FrameDecoder } from './lz4-frame-decoder';
import { Lz4FrameWriter } from './lz4-frame-writer';

/**
 * A strict reference decoder for the tests: besides decoding it enforces the block format's end
 * rules (last 5 bytes literals, last match starting at least 12 bytes before the end), which
 * lenient decoders only check when the output buffer is exactly full.
 */
function referenceDecode(block: Uint8Array, size: number): Buffer {
  const out = Buffer.alloc(size);
  let ip = 0;
  let op = 0;
  const length = (initial: number): number => {
    let n = initial;
    if (n === 15) {
      let b: number;
      do {
        b = block[ip++];
        n += b;
      } while (b === 255);
    }
    return n;
  };
  for (;;) {
    const token = block[ip++];
    const literals = length(token >>> 4);
    out.set(block.subarray(ip, ip + literals), op);
    ip += literals;
    op += literals;
    if (ip === block.length) break;
    if (ip > block.length) throw new Error('literals past the end');
    const offset = block[ip] | (block[ip + 1] << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw new Error(`bad offset ${offset} at ${op}`);
    if (op > size - 12) throw new Error(`match starts ${size - op} bytes before the end`);
    const matchLength = length(token & 15) + 4;
    for (let i = 0; i < matchLength; i++, op++) out[op] = out[op - offset];
    if (op > size - 5) throw new Error('match covers the last 5 bytes');
  }
  if (op !== size) throw new Error(`decoded ${op} bytes, expected ${size}`);
  return out;
}

/** Buffer.equals: toEqual compares big buffers element by element, which takes seconds. */
function expectSame(actual: Buffer, expected: Buffer): void {
  expect(actual.length).toBe(expected.length);
  expect(actual.equals(expected)).toBe(true);
}

function compress(data: Buffer): Buffer | undefined {
  const dst = Buffer.alloc(lz4CompressBound(data.length));
  const n = new Lz4BlockCompressor().compress(data, dst, dst.length);
  return n > 0 ? dst.subarray(0, n) : undefined;
}

async function frameRoundTrip(data: Buffer, blockSizeKiB: 64 | 4096 = 64): Promise<Buffer> {
  const parts: Buffer[] = [];
  const writer = new Lz4FrameWriter((b) => parts.push(Buffer.from(b)), { blockSizeKiB });
  writer.start();
  writer.write(data);
  writer.finish();
  const out: Buffer[] = [];
  await pipeline(
    Readable.from([Buffer.concat(parts)]),
    new Lz4FrameDecoder(),
    async (src: AsyncIterable<Buffer>) => {
      for await (const c of src) out.push(c);
    },
  );
  return Buffer.concat(out);
}

/** Deterministic mixes of runs, repeats of earlier text and noise. */
function mixed(seed: number, size: number): Buffer {
  let s = seed;
  const rand = (n: number): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s % n;
  };
  const out = Buffer.alloc(size);
  let i = 0;
  while (i < size) {
    const kind = rand(3);
    const n = Math.min(size - i, 1 + rand(300));
    if (kind === 0) out.fill(rand(256), i, i + n);
    else if (kind === 1 && i > 0) {
      const from = rand(i);
      for (let k = 0; k < n; k++) out[i + k] = out[from + ((k % (i - from)) | 0)];
    } else for (let k = 0; k < n; k++) out[i + k] = rand(256);
    i += n;
  }
  return out;
}

describe('Lz4BlockCompressor', () => {
  const text = Buffer.from('[section]\nkey = value\nother.key = 12345\n'.repeat(5000));

  it.each([
    ['empty', Buffer.alloc(0)],
    ['1 byte', Buffer.from('x')],
    ['12 bytes', Buffer.from('abcdabcdabcd')],
    ['13 bytes of one value', Buffer.alloc(13, 7)],
    ['20 bytes of one value', Buffer.alloc(20, 7)],
    ['text', text],
    ['noise', randomBytes(10_000)],
  ])('writes a valid block for %s (with room to spare)', (_name, data) => {
    const block = compress(data) as Buffer;
    expectSame(referenceDecode(block, data.length), data);
  });

  it('keeps inputs under 13 bytes as literals only', () => {
    const block = compress(Buffer.from('aaaaaaaaaaaa')) as Buffer;
    expect(block).toEqual(Buffer.concat([Buffer.from([0xc0]), Buffer.from('aaaaaaaaaaaa')]));
  });

  it('compresses highly repetitive data to a tiny block', () => {
    const data = Buffer.alloc(1024 * 1024, 0x41);
    const block = compress(data) as Buffer;
    expect(block.length).toBeLessThan(5_000);
    expectSame(referenceDecode(block, data.length), data);
    expect((compress(text) as Buffer).length).toBeLessThan(text.length / 20);
  });

  it('gives up on incompressible data (0 = store raw) without passing the limit', () => {
    const noise = randomBytes(4 * 1024 * 1024);
    const dst = Buffer.alloc(noise.length - 1);
    expect(new Lz4BlockCompressor().compress(noise, dst)).toBe(0);
    expect(new Lz4BlockCompressor().compress(Buffer.alloc(100, 1), Buffer.alloc(3), 3)).toBe(0);
    expect(() => new Lz4BlockCompressor().compress(text, Buffer.alloc(10), 11)).toThrow(RangeError);
  });

  it('reuses its hash table across blocks without leaking matches between them', () => {
    const compressor = new Lz4BlockCompressor();
    const dst = Buffer.alloc(lz4CompressBound(text.length));
    const first = Buffer.from(dst.subarray(0, compressor.compress(text, dst, dst.length)));
    const other = mixed(1, 50_000);
    const second = dst.subarray(0, compressor.compress(other, dst, dst.length));
    expectSame(referenceDecode(second, other.length), other);
    expect(compressor.compress(text, dst, dst.length)).toBe(first.length);
  });

  it('round-trips 300 mixed inputs of random sizes, including ones ending in matches', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const data = mixed(seed, 1 + ((seed * 7919) % 5000));
      const block = compress(data);
      if (block) expectSame(referenceDecode(block, data.length), data);
    }
  });
});

describe('LZ4 frames from Lz4FrameWriter', () => {
  it.each([
    ['empty', Buffer.alloc(0)],
    ['1 byte', Buffer.from('x')],
    ['12 bytes', Buffer.from('abcdabcdabcd')],
    ['incompressible', randomBytes(200_000)],
    ['highly repetitive', Buffer.alloc(300_000, 0)],
    ['exactly one block', mixed(5, 64 * 1024)],
    ['exactly two blocks', Buffer.concat([mixed(6, 64 * 1024), Buffer.alloc(64 * 1024, 9)])],
  ])('decode with our frame decoder: %s', async (_name, data) => {
    expectSame(await frameRoundTrip(data), data);
  });

  it('fills a block in place through space() and commit() like write()', async () => {
    const data = mixed(9, 150_000);
    const viaWrite: Buffer[] = [];
    const a = new Lz4FrameWriter((b) => viaWrite.push(Buffer.from(b)), { blockSizeKiB: 64 });
    a.start();
    a.write(data);
    a.finish();
    const inPlace: Buffer[] = [];
    const b = new Lz4FrameWriter((x) => inPlace.push(Buffer.from(x)), { blockSizeKiB: 64 });
    b.start();
    let offset = 0;
    while (offset < data.length) {
      const space = b.space();
      const n = Math.min(space.length, data.length - offset, 10_000);
      data.copy(space, 0, offset, offset + n);
      b.commit(n);
      offset += n;
    }
    b.finish();
    expectSame(Buffer.concat(inPlace), Buffer.concat(viaWrite));
  });

  it('stores an incompressible block raw and omits the checksum when asked', () => {
    const parts: Buffer[] = [];
    const writer = new Lz4FrameWriter((b) => parts.push(Buffer.from(b)), {
      blockSizeKiB: 64,
      contentChecksum: false,
    });
    writer.start();
    writer.write(randomBytes(64 * 1024));
    writer.finish();
    const frame = Buffer.concat(parts);
    expect(frame[4] & 0x04).toBe(0);
    expect(frame.readUInt32LE(7)).toBe((0x80000000 | (64 * 1024)) >>> 0);
    expect(frame.length).toBe(7 + 4 + 64 * 1024 + 4);
  });
});

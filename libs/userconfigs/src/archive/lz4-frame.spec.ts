import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConfigCorruptError } from '../errors';
import { Lz4FrameDecoder } from './lz4-frame-decoder';
import { Lz4FrameEncoder, type Lz4EncoderOptions } from './lz4-frame-encoder';
import { nativeLz4 } from './native-lz4';
import { NativeLz4FrameDecoder } from './native-lz4-decoder';
import { XxHash32, xxhash32 } from './xxhash32';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function encode(data: Buffer, options?: Lz4EncoderOptions, chunk = 100_000): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunk) parts.push(data.subarray(i, i + chunk));
  return collect(Readable.from(parts).pipe(new Lz4FrameEncoder(options)));
}

type Decoder = () => Lz4FrameDecoder | NativeLz4FrameDecoder;

async function decodeWith(makeDecoder: Decoder, frame: Buffer, chunk = 777): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < frame.length; i += chunk) parts.push(frame.subarray(i, i + chunk));
  const out: Buffer[] = [];
  await pipeline(Readable.from(parts), makeDecoder(), async (src: AsyncIterable<Buffer>) => {
    for await (const c of src) out.push(c);
  });
  return Buffer.concat(out);
}

describe('xxhash32', () => {
  it('matches the reference vectors', () => {
    expect(xxhash32(Buffer.alloc(0))).toBe(0x02cc5d05);
    expect(xxhash32(Buffer.from('abc'))).toBe(0x32d153ff);
    expect(xxhash32(Buffer.from('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
  });

  it('gives the same digest whatever the chunking and the buffer alignment', () => {
    const data = randomBytes(100_003);
    const whole = xxhash32(data);
    for (const shift of [1, 2, 3]) {
      const shifted = Buffer.alloc(data.length + shift);
      data.copy(shifted, shift);
      expect(xxhash32(shifted.subarray(shift))).toBe(whole);
    }
    const streamed = new XxHash32();
    for (let i = 0; i < data.length; i += 7_777) streamed.update(data.subarray(i, i + 7_777));
    expect(streamed.digest()).toBe(whole);
  });
});

describe.each([
  ['TypeScript', () => new Lz4FrameDecoder()],
  [
    'liblz4',
    () => {
      // The test hosts are Debian: liblz4.so.1 is always there (apt depends on it).
      const lz4 = nativeLz4();
      if (!lz4) throw new Error('liblz4.so.1 or koffi cannot be loaded on this test host');
      return new NativeLz4FrameDecoder(lz4);
    },
  ],
] as [string, Decoder][])('LZ4 frame, decoded by the %s decoder', (_name, makeDecoder) => {
  const decode = (frame: Buffer, chunk?: number): Promise<Buffer> => decodeWith(makeDecoder, frame, chunk);
  const text = Buffer.from('config line = value\n'.repeat(30_000));

  it('round-trips text and random data across block boundaries', async () => {
    const data = Buffer.concat([text, randomBytes(300_000), text]);
    const frame = await encode(data, { blockSizeKiB: 64 });
    expect(frame.subarray(0, 7)).toEqual(Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, 0xa7]));
    expect(await decode(frame)).toEqual(data);
  });

  it('compresses text and stores incompressible blocks raw', async () => {
    expect((await encode(text)).length).toBeLessThan(text.length / 10);
    const noise = randomBytes(200_000);
    const frame = await encode(noise, { blockSizeKiB: 64 });
    expect(frame.readUInt32LE(7) & 0x80000000).not.toBe(0);
    expect(await decode(frame)).toEqual(noise);
  });

  it('encodes an empty input as a valid empty frame', async () => {
    const frame = await encode(Buffer.alloc(0));
    expect(await decode(frame)).toEqual(Buffer.alloc(0));
  });

  it('skips skippable frames and reads concatenated frames', async () => {
    const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0]), Buffer.from('abc')]);
    const a = await encode(Buffer.from('first '));
    const b = await encode(Buffer.from('second'));
    expect((await decode(Buffer.concat([skippable, a, b]), 3)).toString()).toBe('first second');
  });

  it('refuses a bad content checksum, a truncated frame and garbage', async () => {
    const frame = await encode(text);
    const badSum = Buffer.from(frame);
    badSum[badSum.length - 1] ^= 1;
    await expect(decode(badSum)).rejects.toThrow(/content checksum/);
    await expect(decode(frame.subarray(0, frame.length - 20))).rejects.toThrow(ConfigCorruptError);
    await expect(decode(Buffer.from('not an lz4 frame at all'))).rejects.toThrow(/magic/);
    const badHeader = Buffer.from(frame);
    badHeader[6] ^= 0xff;
    await expect(decode(badHeader)).rejects.toThrow(/header checksum/);
  });

  it('checks block checksums of stored blocks that span input chunks', async () => {
    const descriptor = Buffer.from([0x70, 0x40]);
    const body = randomBytes(5000);
    const blockHeader = Buffer.alloc(4);
    blockHeader.writeUInt32LE((0x80000000 | body.length) >>> 0);
    const sum = Buffer.alloc(4);
    sum.writeUInt32LE(xxhash32(body));
    const frame = Buffer.concat([
      Buffer.from([0x04, 0x22, 0x4d, 0x18]),
      descriptor,
      Buffer.from([(xxhash32(descriptor) >>> 8) & 0xff]),
      blockHeader,
      body,
      sum,
      Buffer.alloc(4),
    ]);
    expect((await decode(frame, 333)).equals(body)).toBe(true);
    const bad = Buffer.from(frame);
    bad[7 + 4 + 2500] ^= 1;
    await expect(decode(bad, 333)).rejects.toThrow(/block checksum/);
  });

  it('refuses a corrupt compressed block', async () => {
    const frame = await encode(text, { contentChecksum: false });
    const broken = Buffer.from(frame);
    broken.fill(0xff, 12, 40);
    await expect(decode(broken)).rejects.toThrow(ConfigCorruptError);
  });
});

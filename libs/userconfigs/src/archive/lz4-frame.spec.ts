import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConfigCorruptError } from '../errors';
import { Lz4FrameDecoder } from './lz4-frame-decoder';
import { Lz4FrameEncoder, type Lz4EncoderOptions } from './lz4-frame-encoder';
import { xxhash32 } from './xxhash32';

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

async function decode(frame: Buffer, chunk = 777): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < frame.length; i += chunk) parts.push(frame.subarray(i, i + chunk));
  const out: Buffer[] = [];
  await pipeline(Readable.from(parts), new Lz4FrameDecoder(), async (src: AsyncIterable<Buffer>) => {
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
});

describe('LZ4 frame', () => {
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

  it('refuses a corrupt compressed block', async () => {
    const frame = await encode(text, { contentChecksum: false });
    const broken = Buffer.from(frame);
    broken.fill(0xff, 12, 40);
    await expect(decode(broken)).rejects.toThrow(ConfigCorruptError);
  });
});

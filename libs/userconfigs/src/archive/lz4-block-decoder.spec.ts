import { randomBytes } from 'node:crypto';
import { decodeLz4Block } from './lz4-block-decoder';
import { Lz4BlockCompressor, lz4CompressBound } from './lz4-block-compressor';

function compress(data: Buffer): Buffer {
  const dst = Buffer.alloc(lz4CompressBound(data.length));
  return dst.subarray(0, new Lz4BlockCompressor().compress(data, dst, dst.length));
}

function decode(block: Buffer, capacity: number, prefix = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(prefix.length + capacity);
  prefix.copy(out);
  return out.subarray(prefix.length, decodeLz4Block(block, out, prefix.length));
}

describe('decodeLz4Block', () => {
  it.each([
    ['1 byte', Buffer.from('x')],
    ['text', Buffer.from('name = value\nother = 42\n'.repeat(3000))],
    ['noise', randomBytes(5000)],
    ['runs', Buffer.concat([Buffer.alloc(1000, 1), Buffer.from('abc'), Buffer.alloc(70_000, 2)])],
  ])('decodes what our compressor wrote: %s', (_name, data) => {
    const back = decode(compress(data), data.length);
    expect(back.equals(data)).toBe(true);
  });

  it('repeats short patterns for overlapping matches (offset < length), short and long', () => {
    for (const [pattern, length] of [
      ['a', 20],
      ['ab', 100],
      ['abc', 13],
      ['abcdefghi', 1000],
    ] as const) {
      // 'pattern' as literals, then a match of `length` at offset pattern.length, then 5 literals.
      const ml = length - 4;
      const token = (pattern.length << 4) | Math.min(ml, 15);
      const extra = ml >= 15 ? [...Array(Math.floor((ml - 15) / 255)).fill(255), (ml - 15) % 255] : [];
      const block = Buffer.from([
        token,
        ...Buffer.from(pattern),
        pattern.length,
        0,
        ...extra,
        0x50,
        ...Buffer.from('tail!'),
      ]);
      const expected = pattern
        .repeat(Math.ceil((pattern.length + length) / pattern.length))
        .slice(0, pattern.length + length);
      expect(decode(block, 2000).toString()).toBe(`${expected}tail!`);
    }
  });

  it('lets linked blocks reach into the previous data', () => {
    const prefix = Buffer.from('0123456789abcdef');
    // No literals, match of 8 at offset 16, then 5 literals.
    const block = Buffer.from([0x04, 16, 0, 0x50, ...Buffer.from('VWXYZ')]);
    expect(decode(block, 100, prefix).toString()).toBe('01234567VWXYZ');
    expect(() => decode(block, 100)).toThrow(/offset/);
  });

  it.each([
    ['an empty block', []],
    ['literals past the end', [0x50, 0x61]],
    ['a truncated literal length', [0xf0]],
    ['a truncated offset', [0x10, 0x61, 0x01]],
    ['offset 0', [0x10, 0x61, 0x00, 0x00, 0x00]],
    ['an offset before the data', [0x10, 0x61, 0x02, 0x00, 0x00]],
    ['a truncated match length', [0x1f, 0x61, 0x01, 0x00]],
  ])('refuses %s', (_name, bytes) => {
    expect(() => decode(Buffer.from(bytes), 100)).toThrow(Error);
  });

  it('refuses output beyond the block size instead of dropping bytes', () => {
    const data = Buffer.alloc(1000, 7);
    const block = compress(data);
    expect(() => decode(block, 999)).toThrow(/more than the block size/);
    expect(() => decode(Buffer.from([0x50, ...Buffer.from('hello')]), 4)).toThrow(/more than the block size/);
  });
});

// LZ4 block decoder (lz4/doc/lz4_Block_format.md). Input comes from an archive that may be
// hostile or damaged, so every length and offset is checked against both buffers: typed arrays
// would otherwise drop out-of-range writes silently and read `undefined`. Callers wrap the
// thrown errors into ConfigCorruptError.

/**
 * Decodes the block `src` into `dst` from `start`, returning the end of the output. Matches may
 * reach back into `dst[0..start)`, which holds the previous blocks' tail for linked blocks.
 */
export function decodeLz4Block(src: Uint8Array, dst: Uint8Array, start: number): number {
  const end = src.length;
  const limit = dst.length;
  let ip = 0;
  let op = start;
  for (;;) {
    if (ip >= end) throw new Error('block ends inside a sequence');
    const token = src[ip++];
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (ip >= end) throw new Error('block ends inside a literal length');
        b = src[ip++];
        literals += b;
      } while (b === 255);
    }
    if (ip + literals > end) throw new Error('literals run past the end of the block');
    if (op + literals > limit) throw new Error('block decodes to more than the block size');
    if (literals <= 8 && op + 8 <= limit && ip + 8 <= end) {
      // Fixed-size copies keep short runs free of length-dependent branches; the extra bytes
      // land past `op` and are overwritten or cut off.
      copy8(src, ip, dst, op);
      ip += literals;
      op += literals;
    } else if (literals < 32) {
      for (let i = 0; i < literals; i++) dst[op++] = src[ip++];
    } else {
      dst.set(src.subarray(ip, ip + literals), op);
      ip += literals;
      op += literals;
    }
    // The last sequence has literals only.
    if (ip === end) return op;

    if (ip + 2 > end) throw new Error('block ends inside a match offset');
    const offset = src[ip] | (src[ip + 1] << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw new Error('match offset points before the data');
    let length = token & 15;
    if (length === 15) {
      let b: number;
      do {
        if (ip >= end) throw new Error('block ends inside a match length');
        b = src[ip++];
        length += b;
      } while (b === 255);
    }
    length += 4;
    if (op + length > limit) throw new Error('block decodes to more than the block size');
    op = copyMatch(dst, op, offset, length);
  }
}

function copy8(src: Uint8Array, ip: number, dst: Uint8Array, op: number): void {
  dst[op] = src[ip];
  dst[op + 1] = src[ip + 1];
  dst[op + 2] = src[ip + 2];
  dst[op + 3] = src[ip + 3];
  dst[op + 4] = src[ip + 4];
  dst[op + 5] = src[ip + 5];
  dst[op + 6] = src[ip + 6];
  dst[op + 7] = src[ip + 7];
}

function copyMatch(dst: Uint8Array, op: number, offset: number, length: number): number {
  let m = op - offset;
  if (length <= 16 && op + 16 <= dst.length) {
    // Byte after byte, so overlapping matches (offset < length) repeat their pattern correctly.
    copy8(dst, m, dst, op);
    copy8(dst, m + 8, dst, op + 8);
    return op + length;
  }
  if (length < 32) {
    // Byte by byte also gets overlapping matches (offset < length: a repeating pattern) right.
    for (let i = 0; i < length; i++) dst[op++] = dst[m++];
    return op;
  }
  if (offset >= length) {
    dst.copyWithin(op, m, m + length);
    return op + length;
  }
  // A long repeat of a short pattern: copy what is already written, doubling each time; copying
  // whole periods keeps the pattern's phase.
  let copied = 0;
  while (copied < length) {
    const n = Math.min(copied + offset, length - copied);
    dst.copyWithin(op + copied, m, m + n);
    copied += n;
  }
  return op + length;
}

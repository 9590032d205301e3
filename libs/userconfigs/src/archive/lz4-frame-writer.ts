import { Lz4BlockCompressor } from './lz4-block-compressor';
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

export interface Lz4WriterOptions {
  /** Maximum block size in KiB; the `lz4` CLI default is 4096. */
  blockSizeKiB?: Lz4BlockSize;
  /** Written by default, as the `lz4` CLI does; readers check it when present. */
  contentChecksum?: boolean;
}

/**
 * Receives the frame's bytes. The buffers are views into the writer's reused block buffers,
 * valid only during the call: consume them (encrypt, copy) before returning.
 */
export type Lz4Output = (bytes: Buffer) => void;

/**
 * The core of an LZ4 frame with independent blocks, as `lz4` (no options) writes it. One input
 * block and one output scratch buffer serve the whole stream and nothing is allocated per block;
 * producers may fill the input block in place (`space` / `commit`, e.g. straight from a file).
 */
export class Lz4FrameWriter {
  private readonly blockSize: number;
  private readonly hash: XxHash32 | undefined;
  private readonly startBytes: Buffer;
  private readonly block: Buffer;
  private readonly packed: Buffer;
  private readonly blockHeader = Buffer.alloc(4);
  private readonly compressor = new Lz4BlockCompressor();
  private filled = 0;

  constructor(
    private readonly output: Lz4Output,
    options: Lz4WriterOptions = {},
  ) {
    const kib = options.blockSizeKiB ?? 4096;
    this.blockSize = kib * 1024;
    const checksum = options.contentChecksum ?? true;
    this.hash = checksum ? new XxHash32() : undefined;
    this.startBytes = lz4FrameStart(kib, checksum);
    this.block = Buffer.allocUnsafe(this.blockSize);
    // A compressed block is kept only when smaller than its input, so this always suffices.
    this.packed = Buffer.allocUnsafe(this.blockSize);
  }

  /** Magic and frame descriptor; goes first. */
  start(): void {
    this.output(this.startBytes);
  }

  /** The unfilled rest of the current block, to be filled in place and then `commit`ted. */
  space(): Buffer {
    return this.block.subarray(this.filled);
  }

  /** Accounts for `n` bytes put into `space()`; a block that got full is emitted. */
  commit(n: number): void {
    this.filled += n;
    if (this.filled === this.blockSize) this.emitBlock();
  }

  /** Copies `chunk` in, emitting every block that gets full. */
  write(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.blockSize - this.filled, chunk.length - offset);
      this.block.set(chunk.subarray(offset, offset + take), this.filled);
      offset += take;
      this.commit(take);
    }
  }

  /** The last partial block, the end mark and the content checksum. */
  finish(): void {
    if (this.filled > 0) this.emitBlock();
    this.output(lz4FrameEnd(this.hash?.digest()));
  }

  private emitBlock(): void {
    const raw = this.block.subarray(0, this.filled);
    this.filled = 0;
    this.hash?.update(raw);
    const length = this.compressor.compress(raw, this.packed, raw.length - 1);
    const stored = length === 0;
    this.blockHeader.writeUInt32LE(lz4BlockWord(stored ? raw.length : length, stored), 0);
    this.output(this.blockHeader);
    this.output(stored ? raw : this.packed.subarray(0, length));
  }
}

/** Magic, frame descriptor (independent blocks, as `lz4` writes) and its header checksum. */
export function lz4FrameStart(blockSizeKiB: Lz4BlockSize, contentChecksum: boolean): Buffer {
  const flg = FLG_VERSION_01 | FLG_BLOCK_INDEPENDENT | (contentChecksum ? FLG_CONTENT_CHECKSUM : 0);
  const descriptor = Buffer.from([flg, blockSizeId(blockSizeKiB) << 4]);
  const hc = (xxhash32(descriptor) >>> 8) & 0xff;
  return Buffer.concat([LZ4_MAGIC_BYTES, descriptor, Buffer.from([hc])]);
}

/** A block's size word: its length, with the high bit set when it is stored uncompressed. */
export function lz4BlockWord(length: number, stored: boolean): number {
  return stored ? (UNCOMPRESSED_BIT | length) >>> 0 : length;
}

/** The end mark, then the content checksum when the frame has one. */
export function lz4FrameEnd(contentChecksum: number | undefined): Buffer {
  const end = Buffer.alloc(contentChecksum === undefined ? 4 : 8);
  if (contentChecksum !== undefined) end.writeUInt32LE(contentChecksum, 4);
  return end;
}

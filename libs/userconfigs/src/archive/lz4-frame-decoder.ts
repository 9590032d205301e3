import { Transform, type TransformCallback } from 'node:stream';
import { ConfigCorruptError } from '../errors';
import { ByteQueue } from './byte-queue';
import { decodeLz4Block } from './lz4-block-decoder';
import {
  blockSizeBytes,
  FLG_BLOCK_CHECKSUM,
  FLG_BLOCK_INDEPENDENT,
  FLG_CONTENT_CHECKSUM,
  FLG_CONTENT_SIZE,
  FLG_DICT_ID,
  FLG_RESERVED,
  FLG_VERSION_01,
  FLG_VERSION_MASK,
  LZ4_FRAME_MAGIC,
  LZ4_SKIPPABLE_MAGIC,
  LZ4_SKIPPABLE_MASK,
  LZ4_WINDOW,
  UNCOMPRESSED_BIT,
} from './lz4-frame-format';
import { XxHash32, xxhash32 } from './xxhash32';

interface FrameState {
  blockMax: number;
  independent: boolean;
  blockChecksum: boolean;
  contentChecksum: boolean;
  contentSize: bigint | undefined;
  produced: bigint;
  hash: XxHash32 | undefined;
  window: Buffer;
}

type Step = 'magic' | 'descriptor' | 'block' | 'checksum' | 'skip-size' | 'skip';

/**
 * Streams the frames of an LZ4 stream (what `lz4` writes: independent or linked blocks, block and
 * content checksums, concatenated and skippable frames). Every defect is a ConfigCorruptError.
 * Blocks are decoded on this thread into fresh buffers that V8 accounts for, so they are
 * collected as promptly as any other garbage (a native codec's results were not).
 */
export class Lz4FrameDecoder extends Transform {
  private readonly queue = new ByteQueue();
  private step: Step = 'magic';
  private frame: FrameState | undefined;
  private skipLeft = 0;
  private frames = 0;

  constructor() {
    // Room for two decoded 4 MB blocks: the next block decodes while the last one is written.
    super({ readableHighWaterMark: 8 * 1024 * 1024 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.queue.push(chunk);
    try {
      this.drain();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.frames === 0 && this.step === 'magic' && this.queue.length === 0) {
      callback(corrupt('the LZ4 stream is empty'));
    } else if (this.step !== 'magic' || this.queue.length > 0) {
      callback(corrupt('the LZ4 frame is truncated (no end mark)'));
    } else callback();
  }

  private drain(): void {
    for (;;) {
      if (this.step === 'magic') {
        if (this.queue.length < 4) return;
        const magic = this.queue.take(4).readUInt32LE(0);
        if (magic === LZ4_FRAME_MAGIC) this.step = 'descriptor';
        else if ((magic & LZ4_SKIPPABLE_MASK) >>> 0 === LZ4_SKIPPABLE_MAGIC) this.step = 'skip-size';
        else throw corrupt(`bad LZ4 frame magic 0x${magic.toString(16)}`);
      } else if (this.step === 'skip-size') {
        if (this.queue.length < 4) return;
        this.skipLeft = this.queue.take(4).readUInt32LE(0);
        this.step = this.skipLeft === 0 ? 'magic' : 'skip';
      } else if (this.step === 'skip') {
        const n = Math.min(this.skipLeft, this.queue.length);
        if (n === 0) return;
        this.queue.take(n);
        this.skipLeft -= n;
        if (this.skipLeft > 0) return;
        this.step = 'magic';
      } else if (this.step === 'descriptor') {
        if (!this.readDescriptor()) return;
      } else if (this.step === 'block') {
        if (!this.readBlock()) return;
      } else {
        if (!this.readContentChecksum()) return;
      }
    }
  }

  private readDescriptor(): boolean {
    if (this.queue.length < 3) return false;
    const flg = this.queue.peek(1)[0];
    const size = 3 + (flg & FLG_CONTENT_SIZE ? 8 : 0) + (flg & FLG_DICT_ID ? 4 : 0);
    if (this.queue.length < size) return false;
    const descriptor = this.queue.take(size);
    const bd = descriptor[1];
    if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_01 || flg & FLG_RESERVED || bd & 0x8f) {
      throw corrupt(`unsupported LZ4 frame descriptor (FLG 0x${flg.toString(16)}, BD 0x${bd.toString(16)})`);
    }
    if (flg & FLG_DICT_ID) throw corrupt('LZ4 frames with a dictionary id are not supported');
    const hc = (xxhash32(descriptor.subarray(0, size - 1)) >>> 8) & 0xff;
    if (hc !== descriptor[size - 1]) throw corrupt('LZ4 frame header checksum mismatch');
    const blockMax = blockSizeBytes(bd >> 4);
    if (blockMax === undefined) throw corrupt(`invalid LZ4 block size id ${bd >> 4}`);
    this.frame = {
      blockMax,
      independent: (flg & FLG_BLOCK_INDEPENDENT) !== 0,
      blockChecksum: (flg & FLG_BLOCK_CHECKSUM) !== 0,
      contentChecksum: (flg & FLG_CONTENT_CHECKSUM) !== 0,
      contentSize: flg & FLG_CONTENT_SIZE ? descriptor.readBigUInt64LE(2) : undefined,
      produced: 0n,
      hash: flg & FLG_CONTENT_CHECKSUM ? new XxHash32() : undefined,
      window: Buffer.alloc(0),
    };
    this.step = 'block';
    return true;
  }

  private readBlock(): boolean {
    const frame = this.frame as FrameState;
    if (this.queue.length < 4) return false;
    const word = this.queue.peek(4).readUInt32LE(0);
    if (word === 0) {
      this.queue.take(4);
      if (frame.contentSize !== undefined && frame.contentSize !== frame.produced) {
        throw corrupt(`LZ4 content size mismatch: header says ${frame.contentSize}, got ${frame.produced}`);
      }
      this.step = 'checksum';
      return true;
    }
    const stored = (word & UNCOMPRESSED_BIT) !== 0;
    const length = (word & ~UNCOMPRESSED_BIT) >>> 0;
    if (length > frame.blockMax) throw corrupt(`LZ4 block of ${length} bytes exceeds the frame's maximum`);
    const total = 4 + length + (frame.blockChecksum ? 4 : 0);
    if (this.queue.length < total) return false;
    this.queue.take(4);
    // Stored data is passed on as views of the decrypted chunks, copying nothing; a compressed
    // block is made contiguous (copied only when it spans chunks) for the decoder.
    const data = stored ? this.queue.takeViews(length) : [this.queue.take(length)];
    if (frame.blockChecksum) {
      const sum = new XxHash32();
      for (const piece of data) sum.update(piece);
      if (sum.digest() !== this.queue.take(4).readUInt32LE(0)) throw corrupt('LZ4 block checksum mismatch');
    }
    for (const out of stored ? data : [decompress(data[0], frame)]) {
      frame.hash?.update(out);
      frame.produced += BigInt(out.length);
      if (!frame.independent) frame.window = nextWindow(frame.window, out);
      if (out.length > 0) this.push(out);
    }
    return true;
  }

  private readContentChecksum(): boolean {
    const frame = this.frame as FrameState;
    if (frame.contentChecksum) {
      if (this.queue.length < 4) return false;
      const expected = this.queue.take(4).readUInt32LE(0);
      if ((frame.hash as XxHash32).digest() !== expected) throw corrupt('LZ4 content checksum mismatch');
    }
    this.frames++;
    this.frame = undefined;
    this.step = 'magic';
    return true;
  }
}

/**
 * A fresh buffer per block (V8 accounts for it, and the consumer may keep it); for linked blocks
 * the previous 64 KB go in front so matches can reach back into them.
 */
function decompress(data: Buffer, frame: FrameState): Buffer {
  const prefix = frame.independent ? 0 : frame.window.length;
  const out = Buffer.allocUnsafe(prefix + frame.blockMax);
  if (prefix > 0) frame.window.copy(out, 0);
  try {
    return out.subarray(prefix, decodeLz4Block(data, out, prefix));
  } catch (err) {
    throw corrupt(`LZ4 block does not decompress (${(err as Error).message})`, err);
  }
}

function nextWindow(window: Buffer, out: Buffer): Buffer {
  if (out.length >= LZ4_WINDOW) return Buffer.from(out.subarray(out.length - LZ4_WINDOW));
  const joined = Buffer.concat([window, out]);
  return joined.length > LZ4_WINDOW ? Buffer.from(joined.subarray(joined.length - LZ4_WINDOW)) : joined;
}

function corrupt(message: string, cause?: unknown): ConfigCorruptError {
  return new ConfigCorruptError(`${message}; the config archive is damaged and cannot be restored`, {
    cause,
  });
}

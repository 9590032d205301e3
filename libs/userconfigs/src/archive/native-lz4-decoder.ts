import { Transform, type TransformCallback } from 'node:stream';
import { ConfigCorruptError } from '../errors';
import { Lz4NativeError, type NativeBuffer, type NativeLz4 } from './native-lz4';

// Input is handed to liblz4 in batches of at least this much: one thread-pool round trip per
// batch, not per decrypted chunk (~16-64 KB). Each `.async` call also costs the main thread
// 0.1-0.2 ms while a restore runs (measured): 1 MB batches make that ~250 calls per 250 MB, not ~1000.
const BATCH = 1024 * 1024;
// liblz4 decodes into a native buffer as large as the largest LZ4 block (so a whole block goes
// straight into it); what it wrote is copied into a Buffer of the exact size that V8 accounts for.
const OUT = 4 * 1024 * 1024;

/** liblz4's error codes, in the words the TypeScript decoder uses for the same defects. */
const MESSAGES: Record<string, string> = {
  ERROR_contentChecksum_invalid: 'LZ4 content checksum mismatch',
  ERROR_blockChecksum_invalid: 'LZ4 block checksum mismatch',
  ERROR_headerChecksum_invalid: 'LZ4 frame header checksum mismatch',
  ERROR_frameType_unknown: 'bad LZ4 frame magic',
  ERROR_decompressionFailed: 'LZ4 block does not decompress',
  ERROR_frameSize_wrong: 'LZ4 content size mismatch',
  ERROR_maxBlockSize_invalid: 'invalid LZ4 block size id',
};

/**
 * What turns each incoming chunk into LZ4 bytes, written straight into the decoder's native input
 * (e.g. NativeDecryptStage); without one, chunks are LZ4 bytes and are copied in.
 */
export interface InputStage {
  /** Room `take` may need in `dst` beyond the chunk's length. */
  readonly slack: number;
  /** Writes what `chunk` yields into `dst`; returns how many bytes. */
  take(chunk: Buffer, dst: Buffer): number | Promise<number>;
  /** At the end of the input: writes the last bytes into `dst` (room: `slack`); throws if the input was bad. */
  finish(dst: Buffer): number;
  free(): void;
}

/**
 * Lz4FrameDecoder's contract (every frame `lz4` writes; any defect is a ConfigCorruptError) with
 * liblz4 doing the work on the thread pool, so decoding one batch overlaps with writing the last.
 * Decoded output waits for the reader past the high-water mark, so a batch of text that decodes to
 * a hundred MB is not all held at once. With a `stage` (the unpack's NativeDecryptStage) the input is
 * ciphertext, decrypted straight into the native input buffer. The context, the stage and the
 * native buffers are freed once no call is in flight, however the stream ends.
 */
export class NativeLz4FrameDecoder extends Transform {
  private ctx: unknown;
  private input: NativeBuffer;
  private readonly output: NativeBuffer;
  private filled = 0;
  private hint = -1;
  private seen = 0;
  private inFlight: Promise<unknown> = Promise.resolve();
  /** Set while a decode waits for the reader to take what was pushed. */
  private resumeOutput: (() => void) | undefined;

  constructor(
    private readonly lz4: NativeLz4,
    private readonly stage?: InputStage,
  ) {
    super({ readableHighWaterMark: 2 * OUT });
    this.ctx = lz4.createDecompressionContext();
    this.input = lz4.allocate(2 * BATCH);
    this.output = lz4.allocate(OUT);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    const room = chunk.length + (this.stage?.slack ?? 0);
    if (this.filled + room > this.input.bytes.length) this.grow(this.filled + room);
    const dst = this.input.bytes.subarray(this.filled);
    let taken: number | Promise<number>;
    try {
      taken = this.stage ? this.stage.take(chunk, dst) : chunk.copy(dst);
    } catch (err) {
      callback(err as Error);
      return;
    }
    if (typeof taken === 'number') this.took(taken, callback);
    else taken.then((n) => this.took(n, callback), callback);
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.stage) {
        if (this.filled + this.stage.slack > this.input.bytes.length)
          this.grow(this.filled + this.stage.slack);
        const last = this.stage.finish(this.input.bytes.subarray(this.filled));
        this.filled += last;
        this.seen += last;
      }
    } catch (err) {
      callback(err as Error);
      return;
    }
    this.decodeInput().then(() => {
      if (this.seen === 0) callback(corrupt('the LZ4 stream is empty'));
      else if (this.hint !== 0) callback(corrupt('the LZ4 frame is truncated (no end mark)'));
      else callback();
    }, callback);
  }

  override _read(size: number): void {
    this.wake();
    super._read(size);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.wake(); // a decode waiting for the reader ends at its next check
    // liblz4 may still be using the context and buffers on another thread: free them after it.
    const ctx = this.ctx;
    this.ctx = undefined;
    void this.inFlight.finally(() => {
      if (ctx !== undefined) this.lz4.freeDecompressionContext(ctx);
      this.stage?.free();
      this.input.free();
      this.output.free();
    });
    callback(err);
  }

  private took(bytes: number, callback: TransformCallback): void {
    this.filled += bytes;
    this.seen += bytes;
    if (this.filled < BATCH) callback();
    else this.decodeInput().then(() => callback(), callback);
  }

  private grow(size: number): void {
    const bigger = this.lz4.allocate(Math.max(size, 2 * this.input.bytes.length));
    this.input.bytes.copy(bigger.bytes, 0, 0, this.filled);
    this.input.free();
    this.input = bigger;
  }

  private async decodeInput(): Promise<void> {
    while (this.filled > 0) {
      if (this.ctx === undefined) return; // destroyed meanwhile
      const call = this.lz4.decompress(this.ctx, this.output, this.input, this.filled);
      this.inFlight = call.catch(() => undefined);
      let result;
      try {
        result = await call;
      } catch (err) {
        throw err instanceof Lz4NativeError
          ? corrupt(MESSAGES[err.code] ?? `liblz4 refused the LZ4 stream (${err.code})`, err)
          : err;
      }
      this.hint = result.hint;
      // The output fills before the input runs out only mid-block: keep the rest for the next call.
      if (result.read < this.filled) this.input.bytes.copyWithin(0, result.read, this.filled);
      this.filled -= result.read;
      if (result.written > 0 && !this.push(Buffer.from(this.output.bytes.subarray(0, result.written))))
        await new Promise<void>((resolve) => (this.resumeOutput = resolve));
      if (result.read === 0 && result.written === 0)
        throw corrupt('liblz4 made no progress on the LZ4 stream');
    }
  }

  private wake(): void {
    const resume = this.resumeOutput;
    this.resumeOutput = undefined;
    resume?.();
  }
}

function corrupt(message: string, cause?: unknown): ConfigCorruptError {
  return new ConfigCorruptError(`${message}; the config archive is damaged and cannot be restored`, {
    cause,
  });
}

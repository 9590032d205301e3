import { Transform, type TransformCallback } from 'node:stream';
import { Lz4FrameWriter, type Lz4WriterOptions } from './lz4-frame-writer';

export type Lz4EncoderOptions = Lz4WriterOptions;

/** `lz4` as a stream: an LZ4 frame with independent blocks (see Lz4FrameWriter). */
export class Lz4FrameEncoder extends Transform {
  private readonly writer: Lz4FrameWriter;
  private started = false;

  constructor(options: Lz4EncoderOptions = {}) {
    super();
    // The writer's buffers are reused, so what it emits is copied before being queued.
    this.writer = new Lz4FrameWriter((bytes) => this.push(Buffer.from(bytes)), options);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.start();
    this.writer.write(chunk);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.start();
    this.writer.finish();
    callback();
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.writer.start();
  }
}

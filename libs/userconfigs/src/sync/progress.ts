import { type Readable, Transform, type TransformCallback } from 'node:stream';
import type { UserConfigLogger } from '../logger';

/**
 * Counts the bytes that pass and logs a progress line every `everyMs` while they do, so an
 * operator sees a long restore or backup move (or stall). `stop()` ends the timer.
 */
export class ProgressCounter extends Transform {
  bytes = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(logger: UserConfigLogger, fields: object, what: string, everyMs: number) {
    super();
    const started = Date.now();
    this.timer = setInterval(() => {
      logger.info({ ...fields, bytes: this.bytes, elapsedMs: Date.now() - started }, `${what} in progress`);
    }, everyMs);
    this.timer.unref();
    this.once('close', () => this.stop());
  }

  /** Counts what `source` emits without passing it on: for a stream some other reader consumes. */
  watch(source: Readable): void {
    source.on('data', (chunk: Buffer) => (this.bytes += chunk.length));
    source.once('close', () => this.stop());
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

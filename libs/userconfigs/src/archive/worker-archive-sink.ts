import { Worker } from 'node:worker_threads';
import { ConfigIoError } from '../errors';
import { asBuffer, type FromWorker, type ToEncoder, workerError } from './codec-worker-messages';
import type { TarSink } from './tar-pack';

// The lz4 CLI's default block size: one tar block of this size becomes one LZ4 block.
const BLOCK = 4 * 1024 * 1024;
// Blocks handed to the worker and not yet back: the one it compresses and the next two, so it
// never waits for this thread (scheduling delays on a busy host included).
const MAX_IN_FLIGHT = 3;

/**
 * A TarSink whose LZ4 + AES run on a codec worker: tar bytes fill 4 MB blocks here (file reads
 * land in them directly), each full block is transferred to the worker, which sends back the
 * ciphertext and the emptied block for reuse.
 */
export class WorkerArchiveSink implements TarSink {
  private readonly worker: Worker;
  private readonly free: Buffer[] = [];
  private block: Buffer = Buffer.allocUnsafeSlow(BLOCK);
  private filled = 0;
  private inFlight = 0;
  private out: Buffer[] = [];
  private failure: { error: unknown } | undefined;
  private done = false;
  private wake: (() => void) | undefined;

  constructor(
    script: string,
    private readonly dir: string,
  ) {
    this.worker = new Worker(script, { workerData: { kind: 'encode' } });
    this.worker.on('message', (msg: FromWorker) => this.onMessage(msg));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', () => this.fail(new Error('the codec worker stopped')));
  }

  /** Starts the frame: `header` ("Salted__" + salt), then AES-256-CBC with `key` and `iv`. */
  init(key: Buffer, iv: Buffer, header: Buffer): void {
    this.send({
      type: 'init',
      key: new Uint8Array(key),
      iv: new Uint8Array(iv),
      header: new Uint8Array(header),
    });
  }

  write(bytes: Uint8Array): void {
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(BLOCK - this.filled, bytes.length - offset);
      this.block.set(bytes.subarray(offset, offset + take), this.filled);
      offset += take;
      this.commit(take);
    }
  }

  space(): Buffer {
    return this.block.subarray(this.filled);
  }

  commit(n: number): void {
    this.filled += n;
    if (this.filled === BLOCK) this.sendBlock();
  }

  /** The ciphertext so far, once the worker has room for more blocks. */
  async take(): Promise<Buffer[]> {
    while (this.inFlight >= MAX_IN_FLIGHT && !this.failure) await this.next();
    return this.drainOut();
  }

  /** Ends the frame and the cipher; resolves with the last ciphertext. */
  async finish(): Promise<Buffer[]> {
    if (this.filled > 0) this.sendBlock();
    this.send({ type: 'end' });
    while (!this.done && !this.failure) await this.next();
    return this.drainOut();
  }

  async close(): Promise<void> {
    this.done = true;
    await this.worker.terminate();
  }

  private sendBlock(): void {
    const block = this.block;
    this.send({ type: 'block', block, length: this.filled });
    this.inFlight++;
    this.block = this.free.pop() ?? Buffer.allocUnsafeSlow(BLOCK);
    this.filled = 0;
  }

  private send(msg: ToEncoder): void {
    if (msg.type === 'block') this.worker.postMessage(msg, [msg.block.buffer as ArrayBuffer]);
    else this.worker.postMessage(msg);
  }

  private drainOut(): Buffer[] {
    if (this.failure) throw this.failure.error;
    const out = this.out;
    this.out = [];
    return out;
  }

  private onMessage(msg: FromWorker): void {
    if (msg.type === 'data') this.out.push(asBuffer(msg.chunk));
    else if (msg.type === 'free') {
      this.inFlight--;
      this.free.push(asBuffer(msg.block));
    } else if (msg.type === 'done') this.done = true;
    else if (msg.type === 'error') this.fail(workerError(msg));
    this.wake?.();
  }

  private fail(error: unknown): void {
    if (this.done) return;
    this.failure ??= {
      error: new ConfigIoError(this.dir, `cannot pack ${this.dir}: ${(error as Error)?.message ?? error}`, {
        cause: error,
      }),
    };
    this.wake?.();
  }

  private next(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
    });
  }
}

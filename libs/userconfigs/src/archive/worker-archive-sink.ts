import type { Cipheriv } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { Ciphertext } from './ciphertext';
import { asBuffer, type FromWorker, type ToCompressor, workerError } from './codec-worker-messages';
import { lz4BlockWord, lz4FrameEnd, lz4FrameStart } from './lz4-frame-writer';
import type { TarSink } from './tar-pack';
import { XxHash32 } from './xxhash32';

// The lz4 CLI's default block size: one tar block of this size becomes one LZ4 block.
const BLOCK_KIB = 4096;
const BLOCK = BLOCK_KIB * 1024;
// Blocks handed to the worker and not yet back: the one it compresses and the next two, so it
// never waits for this thread (scheduling delays on a busy host included).
const MAX_IN_FLIGHT = 3;

/**
 * `lz4 | openssl enc` behind a TarSink, with the compression on a codec worker: tar bytes fill
 * 4 MB blocks here (file reads land in them directly); each full block is hashed (the frame's
 * content checksum), then transferred to the worker, which compresses it into the same buffer and
 * hands it back; this thread encrypts the blocks in order and reuses the buffers.
 */
export class WorkerArchiveSink implements TarSink {
  private readonly worker: Worker;
  private readonly hash = new XxHash32();
  private readonly free: Buffer[] = [];
  private readonly word = Buffer.alloc(4);
  private block: Buffer = Buffer.allocUnsafeSlow(BLOCK);
  private filled = 0;
  private inFlight = 0;
  private readonly out: Ciphertext;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(script: string, cipher: Cipheriv, opensslHeader: Buffer, dir: string) {
    this.out = new Ciphertext(cipher, opensslHeader, dir);
    this.out.encrypt(lz4FrameStart(BLOCK_KIB, true));
    this.worker = new Worker(script, { workerData: { kind: 'compress' } });
    this.worker.on('message', (msg: FromWorker) => this.onMessage(msg));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', () => this.fail(new Error('the codec worker stopped')));
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
    while (this.inFlight >= MAX_IN_FLIGHT && !this.out.failed) await this.next();
    return this.out.take();
  }

  /** Ends the LZ4 frame and the cipher; resolves with the last ciphertext. */
  async finish(): Promise<Buffer[]> {
    if (this.filled > 0) this.sendBlock();
    while (this.inFlight > 0 && !this.out.failed) await this.next();
    if (!this.out.failed) {
      this.out.encrypt(lz4FrameEnd(this.hash.digest()));
      this.out.final();
    }
    return this.out.take();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker.terminate();
  }

  private sendBlock(): void {
    const raw = this.block.subarray(0, this.filled);
    this.hash.update(raw);
    const msg: ToCompressor = { type: 'block', block: this.block, length: this.filled };
    this.worker.postMessage(msg, [this.block.buffer as ArrayBuffer]);
    this.inFlight++;
    this.block = this.free.pop() ?? Buffer.allocUnsafeSlow(BLOCK);
    this.filled = 0;
  }

  private onMessage(msg: FromWorker): void {
    if (msg.type === 'packed') {
      // Blocks come back in the order they went out: the frame stays in order.
      const block = asBuffer(msg.block);
      this.word.writeUInt32LE(lz4BlockWord(msg.length, msg.stored), 0);
      this.out.encrypt(this.word);
      this.out.encrypt(block.subarray(0, msg.length));
      this.free.push(block);
      this.inFlight--;
    } else if (msg.type === 'error') this.fail(workerError(msg));
    this.wake?.();
  }

  private fail(error: unknown): void {
    if (this.closed) return;
    this.out.fail(error);
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

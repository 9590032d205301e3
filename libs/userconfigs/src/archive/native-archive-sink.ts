import type { Cipheriv } from 'node:crypto';
import { ConfigIoError, errorMessage } from '../errors';
import { lz4Preferences, type NativeBuffer, type NativeLz4 } from './native-lz4';
import type { TarSink } from './tar-pack';

// The lz4 CLI's default block size: one full tar block here becomes one LZ4 block.
const BLOCK_KIB = 4096;
const BLOCK = BLOCK_KIB * 1024;
// Full blocks waiting behind the one liblz4 is compressing before `take` makes the walk wait.
const MAX_WAITING = 1;

/**
 * `lz4 | openssl enc` behind a TarSink, with LZ4 and its content checksum done by liblz4 on the
 * thread pool: tar bytes fill 4 MB blocks here (file reads land in them directly); each full block
 * is compressed by liblz4 while this thread reads the next one; the frame is encrypted here in
 * order. Block and output buffers are native memory (see NativeLz4.allocate), reused, and freed
 * with the compression context by `close`, after the call in flight returns.
 */
export class NativeArchiveSink implements TarSink {
  private readonly prefs = lz4Preferences(BLOCK_KIB, true);
  // Two output buffers: liblz4 compresses the next block into one while this thread encrypts the
  // other.
  private readonly packed: [NativeBuffer, NativeBuffer];
  private turn = 0;
  private readonly free: NativeBuffer[] = [];
  private readonly full: { block: NativeBuffer; size: number }[] = [];
  private ctx: unknown;
  private block: NativeBuffer;
  private filled = 0;
  private running: Promise<void> | undefined;
  private out: Buffer[];
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly lz4: NativeLz4,
    private readonly cipher: Cipheriv,
    opensslHeader: Buffer,
    private readonly dir: string,
  ) {
    this.out = [opensslHeader];
    this.ctx = lz4.createCompressionContext();
    const bound = lz4.compressBound(BLOCK, this.prefs);
    this.packed = [lz4.allocate(bound), lz4.allocate(bound)];
    this.block = lz4.allocate(BLOCK);
    const start = lz4.compressBegin(this.ctx, this.packed[0].bytes, this.prefs);
    this.encrypt(this.packed[0].bytes.subarray(0, start));
  }

  write(bytes: Uint8Array): void {
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(BLOCK - this.filled, bytes.length - offset);
      this.block.bytes.set(bytes.subarray(offset, offset + take), this.filled);
      offset += take;
      this.commit(take);
    }
  }

  space(): Buffer {
    return this.block.bytes.subarray(this.filled);
  }

  commit(n: number): void {
    this.filled += n;
    if (this.filled === BLOCK) this.queueBlock();
  }

  /** The ciphertext so far, once liblz4 has caught up to within one waiting block. */
  async take(): Promise<Buffer[]> {
    this.kick();
    while (this.full.length > MAX_WAITING && this.running) await this.running;
    return this.drainOut();
  }

  /** Compresses the last partial block, ends the LZ4 frame and the cipher: the last ciphertext. */
  async finish(): Promise<Buffer[]> {
    if (this.filled > 0) this.queueBlock();
    this.kick();
    while (this.running) await this.running;
    if (!this.failure) {
      try {
        const end = this.packed[0].bytes;
        this.encrypt(end.subarray(0, this.lz4.compressEnd(this.ctx, end)));
        this.out.push(this.cipher.final());
      } catch (err) {
        this.fail(err);
      }
    }
    return this.drainOut();
  }

  /** Frees the context and the buffers once no call is in flight; call on every path, once. */
  async close(): Promise<void> {
    for (const { block } of this.full.splice(0)) this.free.push(block);
    while (this.running) await this.running;
    if (this.ctx !== undefined) this.lz4.freeCompressionContext(this.ctx);
    this.ctx = undefined;
    for (const b of [...this.packed, this.block, ...this.free.splice(0)]) b.free();
  }

  private queueBlock(): void {
    this.full.push({ block: this.block, size: this.filled });
    this.block = this.free.pop() ?? this.lz4.allocate(BLOCK);
    this.filled = 0;
  }

  /** Starts compressing the next full block unless a call is in flight; chains to the next. */
  private kick(): void {
    if (this.running || this.failure || this.ctx === undefined) return;
    const next = this.full.shift();
    if (!next) return;
    const packed = this.packed[this.turn];
    this.turn ^= 1;
    this.running = this.lz4.compressUpdate(this.ctx, packed, next.block, next.size).then(
      (n) => {
        this.free.push(next.block);
        this.running = undefined;
        // The next block goes to liblz4 (into the other buffer) before this one is encrypted.
        // Blocks are compressed one at a time, in order, and encrypted in the same order.
        this.kick();
        this.encrypt(packed.bytes.subarray(0, n));
      },
      (err: unknown) => {
        this.free.push(next.block);
        this.running = undefined;
        this.fail(err);
      },
    );
  }

  private encrypt(bytes: Buffer): void {
    const encrypted = this.cipher.update(bytes);
    if (encrypted.length > 0) this.out.push(encrypted);
  }

  private drainOut(): Buffer[] {
    if (this.failure) throw this.failure.error;
    const out = this.out;
    this.out = [];
    return out;
  }

  private fail(error: unknown): void {
    this.failure ??= {
      error: new ConfigIoError(this.dir, `cannot pack ${this.dir}: ${errorMessage(error)}`, { cause: error }),
    };
  }
}

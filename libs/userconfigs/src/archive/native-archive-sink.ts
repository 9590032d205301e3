import { availableParallelism } from 'node:os';
import type { Ciphertext } from './ciphertext';
import { lz4BlockWord, lz4FrameEnd, lz4FrameStart } from './lz4-frame-writer';
import type { NativeBuffer, NativeHash, NativeLz4 } from './native-lz4';
import type { TarSink } from './tar-pack';

// The lz4 CLI's default block size: one full tar block here becomes one LZ4 block.
const BLOCK_KIB = 4096;
const BLOCK = BLOCK_KIB * 1024;
// Independent blocks compress at once on this many worker threads (one per core, at least two so
// that compression overlaps with this thread's reads and encryption even on one core).
const COMPRESSING = Math.max(2, Math.min(4, availableParallelism()));
// Full blocks waiting for a worker before `take` makes the walk wait.
const MAX_WAITING = 1;

interface Slot {
  block: NativeBuffer;
  size: number;
  packed: NativeBuffer;
  /** The compressed size once done; 0: it did not shrink, the block goes in raw. */
  compressed?: number;
  started: boolean;
  /** Its bytes are in the frame's content checksum. */
  hashed: boolean;
}

/** Calls that must run one after another: XXH32 and CBC carry their state from block to block. */
class InOrder {
  pending = 0;
  private tail: Promise<void> = Promise.resolve();

  /** Runs `work` once every call added before it settled; `fail` gets its error, `after` runs either way. */
  add(work: () => Promise<void> | void, fail: (err: unknown) => void, after: () => void): void {
    this.pending++;
    this.tail = this.tail
      .then(work)
      .catch(fail)
      .then(() => {
        this.pending--;
        after();
      });
  }
}

/**
 * `lz4 | openssl enc` behind a TarSink, with the work on worker threads: tar bytes fill 4 MB blocks
 * here (file reads land in them directly); liblz4 compresses each full block, several at once (the
 * frame's blocks are independent, as `lz4` writes them); libxxhash adds the blocks to the frame's
 * content checksum one after another, in frame order; and they are encrypted in frame order, on a
 * worker too when `out` is a NativeCiphertext. This thread meanwhile reads the
 * next blocks. Blocks and outputs are native memory (NativeLz4.allocate), reused, and freed by
 * `close` once no call is in flight.
 */
export class NativeArchiveSink implements TarSink {
  private readonly hash: NativeHash;
  private readonly freeBlocks: NativeBuffer[] = [];
  private readonly slots: Slot[] = [];
  private readonly word = Buffer.alloc(4);
  private block: NativeBuffer;
  private filled = 0;
  private compressing = 0;
  private readonly hashing = new InOrder();
  private readonly sealing = new InOrder();
  private closed = false;
  private wake: (() => void) | undefined;

  /** `out` (its header already in) is the sink's from here on: `close` frees it. */
  constructor(
    private readonly lz4: NativeLz4,
    private readonly out: Ciphertext,
  ) {
    this.hash = lz4.hash();
    this.block = lz4.allocate(BLOCK);
    this.out.encrypt(lz4FrameStart(BLOCK_KIB, true));
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

  /** The ciphertext so far, once the workers have caught up to within one waiting block. */
  async take(): Promise<Buffer[]> {
    while (this.behind() && !this.out.failed) await this.next();
    return this.out.take();
  }

  /** Compresses the last partial block, ends the LZ4 frame and the cipher: the last ciphertext. */
  async finish(): Promise<Buffer[]> {
    if (this.filled > 0) this.queueBlock();
    while ((this.slots.length > 0 || this.sealing.pending > 0) && !this.out.failed) await this.next();
    if (!this.out.failed) {
      this.out.encrypt(lz4FrameEnd(this.hash.digest()));
      this.out.final();
    }
    return this.out.take();
  }

  /** Frees the hash and the buffers once no call is in flight; call on every path, once. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.compressing > 0 || this.hashing.pending > 0 || this.sealing.pending > 0) await this.next();
    this.hash.free();
    this.out.free();
    for (const s of this.slots.splice(0)) this.freeBlocks.push(s.block, s.packed);
    for (const b of [this.block, ...this.freeBlocks.splice(0)]) b.free();
  }

  private queueBlock(): void {
    const slot: Slot = {
      block: this.block,
      size: this.filled,
      packed: this.takeBuffer(),
      started: false,
      hashed: false,
    };
    this.slots.push(slot);
    this.block = this.takeBuffer();
    this.filled = 0;
    this.hashing.add(
      () => (this.stopped() ? undefined : this.hash.update(slot.block, slot.size)),
      (err) => this.out.fail(err),
      () => {
        slot.hashed = true;
        this.emitDone();
        this.wake?.();
      },
    );
    this.kick();
  }

  private takeBuffer(): NativeBuffer {
    return this.freeBlocks.pop() ?? this.lz4.allocate(BLOCK);
  }

  private waiting(): number {
    return this.slots.filter((s) => !s.started).length;
  }

  /**
   * More than one block waits for a worker, blocks pile up behind their hash, or more than one waits
   * for its encryption: each holds its two buffers until it is sealed.
   */
  private behind(): boolean {
    return (
      this.waiting() > MAX_WAITING ||
      this.slots.length > COMPRESSING + MAX_WAITING + 1 ||
      this.sealing.pending > 1
    );
  }

  /** Starts compressing waiting blocks while a worker is free. */
  private kick(): void {
    for (const slot of this.slots) {
      if (this.compressing >= COMPRESSING || this.stopped()) return;
      if (slot.started) continue;
      slot.started = true;
      this.compressing++;
      // A block that does not shrink below its size is stored raw, as `lz4` does.
      this.lz4.compressBlock(slot.block, slot.size, slot.packed, slot.size - 1).then(
        (n) => this.settle(slot, n),
        (err: unknown) => {
          this.out.fail(err);
          this.settle(slot, 0);
        },
      );
    }
  }

  private settle(slot: Slot, compressed: number): void {
    this.compressing--;
    slot.compressed = compressed;
    this.kick();
    this.emitDone();
    this.wake?.();
  }

  /** Writes the finished blocks at the head of the queue into the frame, in order. */
  private emitDone(): void {
    while (this.slots.length > 0 && this.slots[0].compressed !== undefined && this.slots[0].hashed) {
      const slot = this.slots.shift() as Slot;
      this.sealing.add(
        () => (this.stopped() ? undefined : this.seal(slot)),
        (err) => this.out.fail(err),
        () => {
          this.freeBlocks.push(slot.block, slot.packed);
          this.wake?.();
        },
      );
    }
  }

  /** The block's word and data into the frame: the data as stored, or raw when it did not shrink. */
  private seal(slot: Slot): Promise<void> | void {
    const stored = slot.compressed === 0;
    const length = stored ? slot.size : (slot.compressed as number);
    this.word.writeUInt32LE(lz4BlockWord(length, stored), 0);
    this.out.encrypt(this.word);
    return this.out.encryptBlock(stored ? slot.block : slot.packed, length);
  }

  /** A failure or `close`: nothing new starts. */
  private stopped(): boolean {
    return this.out.failed || this.closed;
  }

  private next(): Promise<void> {
    return new Promise((resolve) => {
      const previous = this.wake;
      this.wake = () => {
        this.wake = undefined;
        previous?.();
        resolve();
      };
    });
  }
}

const NONE = -1;

/**
 * FIFO of the free ports in min..max as a doubly linked list over typed arrays: taking the
 * oldest, taking one specific port, and appending are all O(1), which is what lets the
 * allocator rotate through the whole pool without ever searching or guessing.
 */
export class PortQueue {
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly queued: Uint8Array;
  private head = NONE;
  private tail = NONE;
  private count = 0;

  constructor(
    readonly min: number,
    readonly max: number,
  ) {
    const size = max - min + 1;
    this.next = new Int32Array(size).fill(NONE);
    this.prev = new Int32Array(size).fill(NONE);
    this.queued = new Uint8Array(size);
  }

  get size(): number {
    return this.count;
  }

  has(port: number): boolean {
    return port >= this.min && port <= this.max && this.queued[port - this.min] === 1;
  }

  /** Appends at the back; ignores ports outside the range or already queued. */
  push(port: number): void {
    if (port < this.min || port > this.max) return;
    const i = port - this.min;
    if (this.queued[i] === 1) return;
    this.queued[i] = 1;
    this.prev[i] = this.tail;
    this.next[i] = NONE;
    if (this.tail === NONE) this.head = i;
    else this.next[this.tail] = i;
    this.tail = i;
    this.count += 1;
  }

  /** Removes and returns the port that has waited longest, or undefined when empty. */
  shift(): number | undefined {
    if (this.head === NONE) return undefined;
    const port = this.head + this.min;
    this.unlink(this.head);
    return port;
  }

  /** Removes one specific port; false when it was not queued. */
  remove(port: number): boolean {
    if (!this.has(port)) return false;
    this.unlink(port - this.min);
    return true;
  }

  /** Ports from front to back; for tests and diagnostics. */
  *[Symbol.iterator](): IterableIterator<number> {
    for (let i = this.head; i !== NONE; i = this.next[i]) yield i + this.min;
  }

  private unlink(i: number): void {
    const p = this.prev[i];
    const n = this.next[i];
    if (p === NONE) this.head = n;
    else this.next[p] = n;
    if (n === NONE) this.tail = p;
    else this.prev[n] = p;
    this.next[i] = NONE;
    this.prev[i] = NONE;
    this.queued[i] = 0;
    this.count -= 1;
  }
}

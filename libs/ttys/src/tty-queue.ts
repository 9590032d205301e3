/**
 * Ring buffer of free TTY numbers. Each number is in it at most once, so a buffer the size of
 * the range never overflows; shift and push are O(1).
 */
export class TtyQueue {
  private readonly slots: Int32Array;
  private head = 0;
  private count = 0;

  constructor(capacity: number) {
    this.slots = new Int32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(tty: number): void {
    if (this.count === this.slots.length)
      throw new Error(`TtyQueue overflow pushing ${tty}: a number was freed twice`);
    this.slots[(this.head + this.count) % this.slots.length] = tty;
    this.count += 1;
  }

  shift(): number | undefined {
    if (this.count === 0) return undefined;
    const tty = this.slots[this.head];
    this.head = (this.head + 1) % this.slots.length;
    this.count -= 1;
    return tty;
  }

  /** Takes `tty` out wherever it is, keeping the order of the rest; false when it is not queued. O(n). */
  remove(tty: number): boolean {
    const n = this.slots.length;
    let at = -1;
    for (let i = 0; i < this.count; i += 1) {
      if (this.slots[(this.head + i) % n] === tty) {
        at = i;
        break;
      }
    }
    if (at < 0) return false;
    for (let i = at; i < this.count - 1; i += 1) {
      this.slots[(this.head + i) % n] = this.slots[(this.head + i + 1) % n];
    }
    this.count -= 1;
    return true;
  }
}

/** A FIFO of chunks that hands out exact byte counts, copying only when a read spans chunks. */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0;
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Removes and returns `n` bytes; the caller checks `length >= n` first. */
  take(n: number): Buffer {
    const first = this.chunks[0];
    if (first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      this.length -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0];
      const take = Math.min(n - filled, chunk.length - this.head);
      chunk.copy(out, filled, this.head, this.head + take);
      filled += take;
      this.head += take;
      if (this.head === chunk.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.length -= n;
    return out;
  }

  /** Removes `n` bytes as views of the queued chunks, copying nothing; the caller checks `length >= n`. */
  takeViews(n: number): Buffer[] {
    const out: Buffer[] = [];
    while (n > 0) {
      const first = this.chunks[0];
      const take = Math.min(n, first.length - this.head);
      out.push(this.take(take));
      n -= take;
    }
    return out;
  }

  /** Copies the first `n` bytes without removing them; the caller checks `length >= n`. */
  peek(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    let i = 0;
    let pos = this.head;
    while (filled < n) {
      const chunk = this.chunks[i];
      const take = Math.min(n - filled, chunk.length - pos);
      chunk.copy(out, filled, pos, pos + take);
      filled += take;
      i++;
      pos = 0;
    }
    return out;
  }
}

import type { FileHandle } from 'node:fs/promises';

/**
 * Writes one file's chunks in order with at most one `writev` in flight, gathering every chunk
 * that arrived meanwhile into the next call. Concurrent writes to one file only queue on the
 * kernel's inode lock, while they hold thread-pool threads the archive's own reads wait for.
 */
export class SequentialFileWriter {
  private queued: Buffer[] = [];
  private waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  private position = 0;
  private busy = false;
  private failure: { error: unknown } | undefined;

  /** `handle` may still be opening: chunks queue until it is there, and its failure is theirs. */
  constructor(private readonly handle: FileHandle | Promise<FileHandle>) {}

  /** Resolves once `chunk` is written; after a failure every later chunk rejects with it. */
  append(chunk: Buffer): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.error);
    return new Promise((resolve, reject) => {
      this.queued.push(chunk);
      this.waiters.push({ resolve, reject });
      if (!this.busy) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.busy = true;
    while (this.queued.length > 0) {
      const batch = this.queued;
      const waiters = this.waiters;
      this.queued = [];
      this.waiters = [];
      try {
        this.position = await writevAll(await this.handle, batch, this.position);
        for (const w of waiters) w.resolve();
      } catch (error) {
        this.failure ??= { error };
        for (const w of [...waiters, ...this.waiters]) w.reject(this.failure.error);
        this.queued = [];
        this.waiters = [];
      }
    }
    this.busy = false;
  }
}

async function writevAll(handle: FileHandle, buffers: Buffer[], position: number): Promise<number> {
  let rest = buffers;
  while (rest.length > 0) {
    let written = (await handle.writev(rest, position)).bytesWritten;
    position += written;
    // A short write: drop what went out and go on from the first byte that did not.
    let i = 0;
    while (i < rest.length && written >= rest[i].length) written -= rest[i++].length;
    rest = rest.slice(i);
    if (written > 0) rest[0] = rest[0].subarray(written);
  }
  return position;
}

/**
 * Runs tasks for the same key one after another, so a restore never reads while a backup of that
 * key is being written, and an older upload never lands after a newer. A task's own AbortSignal
 * bounds how long it holds the key (the task must give up when it fires); a caller whose signal
 * fires while still waiting leaves the queue at once, and its task never runs.
 */
export class KeyLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let started = false;
    const result = previous.then(() => {
      signal?.throwIfAborted();
      started = true;
      return task();
    });
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    if (!signal) return result;
    return new Promise<T>((resolve, reject) => {
      // A running task sees the signal itself and settles soon, having cleaned up.
      const onAbort = (): void => {
        if (!started) reject(abortReason(signal));
      };
      if (signal.aborted) onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      result.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Whether a task for `key` runs or waits now. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }
}

export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason ?? 'aborted'));
}

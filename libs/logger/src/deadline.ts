/**
 * The value `work` resolves to, or `fallback` when it rejects or the deadline passes first.
 * Never rejects and never keeps the process alive: the timer is unref'd and cleared on settle.
 */
export function withDeadline<T>(work: PromiseLike<T>, ms: number, fallback: T): Promise<T> {
  return new Promise<T>((resolve) => {
    const timer = setTimeout(() => resolve(fallback), Math.max(0, ms));
    timer.unref();
    Promise.resolve(work).then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(fallback);
      },
    );
  });
}

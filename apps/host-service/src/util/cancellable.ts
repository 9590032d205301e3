export class WorkTimeoutError extends Error {
  override readonly name = 'WorkTimeoutError';
}

/**
 * Runs `work` with an AbortSignal that fires after `ms` (or when `parent` aborts), and rejects at
 * that moment even if the work ignores its signal. The signal is what cancels the work: a Docker
 * request is closed, a restore stops writing; rejecting alone would only stop waiting.
 */
export function cancellable<T>(
  ms: number,
  what: string,
  work: (signal: AbortSignal) => Promise<T>,
  parent?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const fail = (err: Error): void => {
      controller.abort(err);
      reject(err);
    };
    const timer = setTimeout(() => fail(new WorkTimeoutError(`${what} did not finish within ${ms} ms`)), ms);
    timer.unref();
    const onParentAbort = (): void => fail(new WorkTimeoutError(`${what} was cancelled`));
    if (parent?.aborted) onParentAbort();
    else parent?.addEventListener('abort', onParentAbort, { once: true });
    const settle = (): void => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    };
    Promise.resolve()
      .then(() => work(controller.signal))
      .then(
        (value) => {
          settle();
          resolve(value);
        },
        (err: unknown) => {
          settle();
          reject(err);
        },
      );
  });
}

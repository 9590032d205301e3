/**
 * Awaits every promise, then throws the first rejection. Unlike Promise.all nothing is still in
 * flight when the caller acts on a failure (release must not race a step that is still running).
 */
export async function settleAll<T>(work: ReadonlyArray<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(work);
  const failed = results.find((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((x) => (x as PromiseFulfilledResult<T>).value);
}

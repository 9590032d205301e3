import { BackgroundWrites } from './background-writes';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('BackgroundWrites', () => {
  it('holds at most maxBytes of writes once one is in flight', async () => {
    const writes = new BackgroundWrites(100, 4);
    const first = deferred();
    await writes.write(80, () => first.promise);
    let secondStarted = false;
    const second = writes.write(30, async () => {
      secondStarted = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(secondStarted).toBe(false);
    first.resolve();
    await second;
    expect(secondStarted).toBe(true);
    // A single write larger than the budget still goes through when nothing else runs.
    await writes.write(500, async () => undefined);
    await writes.drain();
  });

  it('runs at most maxTasks tasks at once', async () => {
    const writes = new BackgroundWrites(100, 2);
    const gates = [deferred(), deferred(), deferred()];
    let running = 0;
    let most = 0;
    const starts = gates.map((g) =>
      writes.task(async () => {
        running++;
        most = Math.max(most, running);
        await g.promise;
        running--;
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(running).toBe(2);
    gates.forEach((g) => g.resolve());
    await Promise.all(starts);
    await writes.drain();
    expect(most).toBe(2);
  });

  it('rethrows the first failure from drain and the next start; settle ignores it', async () => {
    const writes = new BackgroundWrites();
    const { done } = await writes.write(1, async () => {
      throw new Error('disk full');
    });
    await expect(done).rejects.toThrow('disk full');
    await expect(writes.drain()).rejects.toThrow('disk full');
    await expect(writes.task(async () => undefined)).rejects.toThrow('disk full');
    await expect(writes.settle()).resolves.toBeUndefined();
  });
});

import type { Every } from './pending-uploads';
import { retryPendingUploads, unrefInterval } from './pending-uploads';

const flush = () => new Promise((r) => setImmediate(r));

describe('retryPendingUploads', () => {
  it('retries at once and on every tick, logging what moved and never throwing', async () => {
    const results: ({ uploaded: number; remaining: number } | Error)[] = [
      { uploaded: 2, remaining: 1 },
      new Error('S3 down'),
      { uploaded: 0, remaining: 0 },
    ];
    const infos: object[] = [];
    const warns: object[] = [];
    // A hand-driven interval: each `fire()` is one tick, so nothing sleeps.
    let fire: () => void = () => undefined;
    let intervalMs = 0;
    let cancelled = false;
    const every: Every = (ms, fn) => {
      intervalMs = ms;
      fire = fn;
      return () => void (cancelled = true);
    };
    const retries = retryPendingUploads(
      {
        retryPending: async () => {
          const next = results.shift() ?? { uploaded: 0, remaining: 0 };
          if (next instanceof Error) throw next;
          return next;
        },
      },
      { info: (obj) => void infos.push(obj), warn: (obj) => void warns.push(obj) },
      20,
      every,
    );
    await flush();
    expect(intervalMs).toBe(20);
    expect(infos).toEqual([{ uploaded: 2, remaining: 1 }]);
    fire();
    await flush();
    fire();
    await flush();
    retries.stop();
    expect(cancelled).toBe(true);
    expect(warns).toEqual([{ err: 'S3 down' }]);
    expect(results).toEqual([]);
  });

  it('ticks on a real interval by default and stops when cancelled', async () => {
    let ticks = 0;
    const cancel = unrefInterval(5, () => void (ticks += 1));
    const deadline = Date.now() + 2000;
    while (ticks < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    cancel();
    const after = ticks;
    await new Promise((r) => setTimeout(r, 20));
    expect(after).toBeGreaterThanOrEqual(2);
    expect(ticks).toBe(after);
  });
});

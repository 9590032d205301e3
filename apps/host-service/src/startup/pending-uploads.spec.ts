import { retryPendingUploads } from './pending-uploads';

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
    );
    await flush();
    expect(infos).toEqual([{ uploaded: 2, remaining: 1 }]);
    await new Promise((r) => setTimeout(r, 70));
    retries.stop();
    expect(warns).toEqual([{ err: 'S3 down' }]);
    expect(results).toEqual([]);
  });
});

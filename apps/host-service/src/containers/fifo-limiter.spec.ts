import { FifoLimiter } from './fifo-limiter';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('FifoLimiter', () => {
  it('runs at most `limit` at once, the rest in arrival order', async () => {
    const limiter = new FifoLimiter(2);
    let active = 0;
    let most = 0;
    const began: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        limiter.run(async () => {
          began.push(i);
          active += 1;
          most = Math.max(most, active);
          await tick(5);
          active -= 1;
        }),
      ),
    );
    expect(most).toBe(2);
    expect(began).toEqual([0, 1, 2, 3, 4]);
  });

  it('frees the slot when the work throws', async () => {
    const limiter = new FifoLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new FifoLimiter(0)).toThrow('positive integer');
  });
});

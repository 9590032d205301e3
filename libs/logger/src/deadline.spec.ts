import { withDeadline } from './deadline';

describe('withDeadline', () => {
  it('gives the value when the work settles in time', async () => {
    await expect(withDeadline(Promise.resolve(7), 1_000, 0)).resolves.toBe(7);
  });

  it('gives the fallback when the work rejects', async () => {
    await expect(withDeadline(Promise.reject(new Error('x')), 1_000, 'late')).resolves.toBe('late');
  });

  it('gives the fallback when the deadline passes first', async () => {
    const started = Date.now();
    await expect(withDeadline(new Promise<never>(() => undefined), 50, 'late')).resolves.toBe('late');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});

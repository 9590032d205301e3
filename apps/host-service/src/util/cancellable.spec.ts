import { WorkTimeoutError, cancellable } from './cancellable';

describe('cancellable', () => {
  it('bounds a promise by a timeout', async () => {
    await expect(cancellable(10, 'x', () => Promise.resolve(7))).resolves.toBe(7);
    await expect(cancellable(10, 'step', () => new Promise(() => undefined))).rejects.toEqual(
      new WorkTimeoutError('step did not finish within 10 ms'),
    );
  });
});

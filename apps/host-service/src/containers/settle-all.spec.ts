import { settleAll } from './settle-all';

describe('settleAll', () => {
  it('returns the values in order', async () => {
    await expect(settleAll([Promise.resolve(1), Promise.resolve(2)])).resolves.toEqual([1, 2]);
  });

  it('throws the first rejection only after every promise settled', async () => {
    let slowDone = false;
    const slow = new Promise<number>((r) =>
      setTimeout(() => {
        slowDone = true;
        r(1);
      }, 20),
    );
    await expect(settleAll([Promise.reject(new Error('first')), slow])).rejects.toThrow('first');
    expect(slowDone).toBe(true);
  });
});

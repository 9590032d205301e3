import { waitFor, waitUntil } from './poll';

describe('waitFor', () => {
  it('returns the first value the probe gives, counting throws and undefined as not yet', async () => {
    let calls = 0;
    const value = await waitFor(
      'the third call',
      () => {
        calls += 1;
        if (calls === 1) throw new Error('not up yet');
        return calls === 3 ? 'up' : undefined;
      },
      1_000,
      1,
    );
    expect([value, calls]).toEqual(['up', 3]);
  });

  it('fails, naming what it waited for, once the time is up', async () => {
    await expect(waitFor('a value that never comes', () => undefined, 20, 5)).rejects.toThrow(
      'timed out after 20 ms waiting for a value that never comes',
    );
  });
});

describe('waitUntil', () => {
  it('resolves once the check holds', async () => {
    let n = 0;
    await waitUntil('n to reach 3', () => ++n === 3, 1_000, 1);
    expect(n).toBe(3);
  });

  it('fails once the time is up', async () => {
    await expect(waitUntil('never', () => false, 20, 5)).rejects.toThrow(
      'timed out after 20 ms waiting for never',
    );
  });
});

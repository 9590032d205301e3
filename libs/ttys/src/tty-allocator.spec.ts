import { TtyAllocator } from './tty-allocator';
import type { TtyAllocatorOptions } from './tty-allocator';
import { TtyError } from './tty-error';
import { takeAll } from './testing';

function thrown(fn: () => unknown): TtyError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TtyError);
    return err as TtyError;
  }
  throw new Error('expected a TtyError');
}

describe('TtyAllocator', () => {
  it('hands out 10..63 in order, records owners, then says clearly that none is left', () => {
    const a = new TtyAllocator();
    const got = Array.from({ length: 54 }, (_, i) => a.allocate(`c${i % 3}`));
    expect(got).toEqual(Array.from({ length: 54 }, (_, i) => 10 + i));
    expect([a.inUse(), a.heldBy('c1').slice(0, 3), a.holderOf(12)]).toEqual([54, [11, 14, 17], 'c2']);
    const err = thrown(() => a.allocate('late'));
    expect([err.code, err.message, err.owner]).toEqual([
      'TTYS_EXHAUSTED',
      'no free TTY in 10..63 (54 in use)',
      'late',
    ]);
  });

  it('does not reuse a freed TTY before every other free one', () => {
    const a = new TtyAllocator({ min: 20, max: 23 });
    expect(a.allocate('a')).toBe(20);
    expect(a.free('a')).toEqual([20]);
    expect(['b', 'c', 'd', 'e'].map((o) => a.allocate(o))).toEqual([21, 22, 23, 20]);
    a.release('c', 22);
    a.release('b', 21);
    expect(takeAll(a, 'f')).toEqual([22, 21]);
  });

  it('free releases everything the owner holds and only that', () => {
    const a = new TtyAllocator({ min: 1, max: 5 });
    a.allocate('x');
    a.allocate('y');
    a.allocate('x');
    expect(a.free('x')).toEqual([1, 3]);
    expect([a.free('x'), a.free('nobody'), a.heldBy('x'), a.heldBy('y'), a.inUse()]).toEqual([
      [],
      [],
      [],
      [2],
      1,
    ]);
  });

  it('never fails while a TTY is free, under churn', () => {
    const a = new TtyAllocator({ min: 60, max: 63 });
    const live: string[] = [];
    for (let i = 0; i < 500; i += 1) {
      if (live.length === 4 || (live.length > 0 && i % 3 === 0)) a.free(live.splice(i % live.length, 1)[0]);
      else {
        expect(a.allocate(`o${i}`)).toBeGreaterThanOrEqual(60);
        live.push(`o${i}`);
      }
      expect(a.inUse()).toBe(live.length);
    }
  });

  it.each([
    ['a', 11, 'TTY 11 is not held by owner a (it is held by owner b); nothing was released'],
    ['a', 12, 'TTY 12 is not held by owner a (it is not allocated); nothing was released'],
    ['a', 5, 'TTY 5 is not held by owner a (it is not allocated); nothing was released'],
  ])('release(%s, %d) of a TTY not held is reported and changes nothing', (owner, tty, message) => {
    const a = new TtyAllocator({ min: 10, max: 12 });
    a.allocate('a');
    a.allocate('b');
    const err = thrown(() => a.release(owner, tty));
    expect([err.code, err.message, err.tty, err.owner]).toEqual(['NOT_HELD', message, tty, owner]);
    expect([a.heldBy('a'), a.heldBy('b'), a.inUse()]).toEqual([[10], [11], 2]);
    expect(takeAll(a, 'c')).toEqual([12]);
  });

  it('rejects empty or non-string owners everywhere', () => {
    const a = new TtyAllocator();
    for (const call of [
      () => a.allocate(''),
      () => a.free(''),
      () => a.release('', 10),
      () => a.allocate(7 as unknown as string),
    ]) {
      const err = thrown(call);
      expect(err.code).toBe('INVALID_OWNER');
    }
    expect(thrown(() => a.allocate('')).message).toBe(
      `owner must be a non-empty string (the container's FractalID), got ""`,
    );
    expect(a.inUse()).toBe(0);
  });

  it.each([
    [{ min: 0 }, 'min must be an integer in 1..63, got 0'],
    [{ min: 2.5 }, 'min must be an integer in 1..63, got 2.5'],
    [{ max: 64 }, 'max must be an integer in 1..63, got 64'],
    [{ max: '20' }, 'max must be an integer in 1..63, got "20"'],
    [{ min: 30, max: 20 }, 'min (30) must not be greater than max (20)'],
    [null, 'expected an object, got null'],
  ])('rejects options %j with an exact message', (options, message) => {
    const err = thrown(() => new TtyAllocator(options as TtyAllocatorOptions));
    expect([err.code, err.message]).toEqual(['INVALID_OPTIONS', `invalid TtyAllocator options: ${message}`]);
  });

  it('accepts a one-TTY range', () => {
    const a = new TtyAllocator({ min: 63, max: 63 });
    expect(a.allocate('x')).toBe(63);
    expect(thrown(() => a.allocate('y')).message).toBe('no free TTY in 63..63 (1 in use)');
  });

  it('keeps the cause on errors', () => {
    const cause = new Error('root');
    expect(new TtyError('NOT_HELD', 'm', { cause }).cause).toBe(cause);
  });
});

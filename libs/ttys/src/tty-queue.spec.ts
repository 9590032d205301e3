import { TtyQueue } from './tty-queue';

describe('TtyQueue', () => {
  it('is first in, first out across wrap-around', () => {
    const q = new TtyQueue(3);
    q.push(1);
    q.push(2);
    expect(q.shift()).toBe(1);
    q.push(3);
    q.push(4);
    expect([q.size, q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([3, 2, 3, 4, undefined]);
  });

  it('refuses to hold more than its capacity', () => {
    const q = new TtyQueue(1);
    q.push(1);
    expect(() => q.push(2)).toThrow('TtyQueue overflow pushing 2: a number was freed twice');
  });
});

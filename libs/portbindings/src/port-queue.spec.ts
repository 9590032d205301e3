import { PortQueue } from './port-queue';

describe('PortQueue', () => {
  it('is first in, first out', () => {
    const q = new PortQueue(10, 14);
    [12, 10, 14].forEach((p) => q.push(p));
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([12, 10, 14, undefined]);
    expect(q.size).toBe(0);
  });

  it('removes from the middle, front and back and keeps the order of the rest', () => {
    const q = new PortQueue(1, 6);
    for (let p = 1; p <= 6; p += 1) q.push(p);
    expect([q.remove(3), q.remove(1), q.remove(6), q.remove(3)]).toEqual([true, true, true, false]);
    expect([...q]).toEqual([2, 4, 5]);
    q.push(1);
    expect([...q]).toEqual([2, 4, 5, 1]);
    expect(q.size).toBe(4);
  });

  it('ignores duplicates and ports outside its range', () => {
    const q = new PortQueue(5, 6);
    q.push(5);
    q.push(5);
    q.push(4);
    q.push(7);
    expect([...q]).toEqual([5]);
    expect([q.has(5), q.has(6), q.has(4), q.remove(99)]).toEqual([true, false, false, false]);
  });

  it('empties and refills cleanly', () => {
    const q = new PortQueue(1, 2);
    q.push(1);
    expect(q.shift()).toBe(1);
    q.push(2);
    q.push(1);
    expect([...q]).toEqual([2, 1]);
  });
});

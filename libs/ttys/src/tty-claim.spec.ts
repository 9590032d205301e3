import { TtyAllocator } from './tty-allocator';

describe('TtyAllocator.claim', () => {
  it('takes one particular free TTY, which allocate then never hands out', () => {
    const ttys = new TtyAllocator({ min: 10, max: 13 });
    ttys.claim('adopted', 12);
    expect(ttys.heldBy('adopted')).toEqual([12]);
    expect([ttys.allocate('a'), ttys.allocate('b'), ttys.allocate('c')]).toEqual([10, 11, 13]);
    expect(() => ttys.allocate('d')).toThrow(/no free TTY/);
    ttys.free('adopted');
    expect(ttys.allocate('d')).toBe(12);
  });

  it('refuses a TTY that is held, out of range or not a number, and changes nothing', () => {
    const ttys = new TtyAllocator({ min: 10, max: 12 });
    ttys.claim('x', 11);
    expect(() => ttys.claim('y', 11)).toThrow(/held by owner x/);
    expect(() => ttys.claim('y', 40)).toThrow(/not a free TTY in 10..12/);
    expect(() => ttys.claim('y', 1.5)).toThrow(/cannot claim TTY/);
    expect(ttys.inUse()).toBe(1);
    expect([ttys.allocate('a'), ttys.allocate('b')]).toEqual([10, 12]);
  });
});

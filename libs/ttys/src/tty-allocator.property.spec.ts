import { mulberry32 } from '@tools/testing';
import { TtyAllocator } from './tty-allocator';
import { TtyError } from './tty-error';

/** Seeded, so a failing run replays exactly. */
const prng = mulberry32;

function codeOf(run: () => unknown): unknown {
  try {
    return run();
  } catch (err) {
    if (err instanceof TtyError) return err.code;
    throw err;
  }
}

describe('TtyAllocator against a reference model (seeded random operations)', () => {
  it.each([1, 2, 3, 4, 5])('seed %i: same answers and same free order for 1000 operations', (seed) => {
    const rand = prng(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
    const [min, max] = [10, 17];
    const allocator = new TtyAllocator({ min, max });
    // The contract written the obvious way: a FIFO array of free numbers and a holder map.
    const free = Array.from({ length: max - min + 1 }, (_, i) => min + i);
    const holder = new Map<number, string>();
    const owners = new Map<string, number[]>();

    for (let step = 0; step < 1000; step += 1) {
      const owner = pick(['a', 'b', 'c']);
      const op = rand();
      let got: unknown;
      let want: unknown;
      if (op < 0.5) {
        got = codeOf(() => allocator.allocate(owner));
        const tty = free.shift();
        if (tty === undefined) want = 'TTYS_EXHAUSTED';
        else {
          holder.set(tty, owner);
          owners.set(owner, [...(owners.get(owner) ?? []), tty]);
          want = tty;
        }
      } else if (op < 0.7) {
        got = allocator.free(owner);
        want = owners.get(owner) ?? [];
        owners.delete(owner);
        for (const tty of want as number[]) holder.delete(tty);
        free.push(...(want as number[]));
      } else {
        const tty = min - 1 + Math.floor(rand() * (max - min + 3));
        got = codeOf(() => allocator.release(owner, tty));
        if (holder.get(tty) !== owner) want = 'NOT_HELD';
        else {
          holder.delete(tty);
          owners.set(
            owner,
            (owners.get(owner) ?? []).filter((t) => t !== tty),
          );
          if (owners.get(owner)?.length === 0) owners.delete(owner);
          free.push(tty);
        }
      }
      const where = `seed ${seed} step ${step}`;
      expect([where, got]).toEqual([where, want]);
      const state = (of: (tty: number) => string | undefined): string =>
        Array.from({ length: max - min + 3 }, (_, i) => of(min - 1 + i) ?? '-').join();
      expect([where, allocator.inUse(), state((t) => allocator.holderOf(t))]).toEqual([
        where,
        holder.size,
        state((t) => holder.get(t)),
      ]);
      for (const o of ['a', 'b', 'c'])
        expect([where, o, allocator.heldBy(o)]).toEqual([where, o, owners.get(o) ?? []]);
    }
    // The whole free order: taking everything hands numbers out exactly in the model's order.
    expect(free.map(() => allocator.allocate('drain'))).toEqual(free);
    expect(() => allocator.allocate('drain')).toThrow(TtyError);
  });
});

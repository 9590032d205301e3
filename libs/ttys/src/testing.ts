import type { TtyAllocator } from './tty-allocator';

/** Takes every free TTY for `owner` (to put an allocator in the exhausted state) and returns them. */
export function takeAll(allocator: TtyAllocator, owner: string): number[] {
  const taken: number[] = [];
  const free = allocator.max - allocator.min + 1 - allocator.inUse();
  for (let i = 0; i < free; i += 1) taken.push(allocator.allocate(owner));
  return taken;
}

import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';

const MAX_HOPS = 40;

/**
 * Resolves `linkSegments` (a symlink inside `root`) the way the kernel would, but confined to
 * `root`: true when the resolution climbs above `root`, leaves via an absolute target, or loops.
 * Missing components resolve lexically. Needed because `e -> d/..` is harmless on its own and
 * escapes once `d -> .` exists.
 */
export async function symlinkEscapes(root: string, linkSegments: string[]): Promise<boolean> {
  const stack = linkSegments.slice(0, -1);
  const self = await lstat(join(root, ...linkSegments)).catch(() => undefined);
  // A later entry of the same name replaced the link: nothing left to resolve.
  if (!self?.isSymbolicLink()) return false;
  let pending = (await readlink(join(root, ...linkSegments))).split('/');
  if (pending[0] === '') return true;
  let hops = 0;
  while (pending.length > 0) {
    const seg = pending.shift() as string;
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (stack.length === 0) return true;
      stack.pop();
      continue;
    }
    stack.push(seg);
    const st = await lstat(join(root, ...stack)).catch(() => undefined);
    if (!st?.isSymbolicLink()) continue;
    if (++hops > MAX_HOPS) return true;
    const target = await readlink(join(root, ...stack));
    if (target.startsWith('/')) return true;
    stack.pop();
    pending = [...target.split('/'), ...pending];
  }
  return false;
}

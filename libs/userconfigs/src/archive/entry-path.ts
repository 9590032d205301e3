import { posix } from 'node:path';
import { UnsafeArchiveEntryError } from '../errors';

/**
 * Splits an archive entry name into safe segments, refusing absolute names, `..` and NUL.
 * An empty result is the archive root (GNU tar's "./").
 */
export function entrySegments(name: string, what = 'entry'): string[] {
  if (name.includes('\0')) throw unsafe(name, `${what} name contains a NUL byte`);
  if (name.startsWith('/')) throw unsafe(name, `${what} has an absolute path`);
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw unsafe(name, `${what} path contains '..'`);
  return segments;
}

/**
 * A symlink target, taken lexically from the link's own directory, must stay inside the tree.
 * (Targets that climb out through other symlinks are caught after extraction by resolving them.)
 */
export function checkSymlinkTarget(linkSegments: string[], target: string): void {
  const name = linkSegments.join('/');
  if (target.includes('\0')) throw unsafe(name, 'symlink target contains a NUL byte');
  if (target === '') throw unsafe(name, 'symlink target is empty');
  if (posix.isAbsolute(target))
    throw unsafe(name, `symlink points to the absolute path ${JSON.stringify(target)}`);
  const joined = posix.normalize(posix.join(...linkSegments.slice(0, -1), target));
  if (joined === '..' || joined.startsWith('../')) {
    throw unsafe(name, `symlink points outside the config dir (${JSON.stringify(target)})`);
  }
}

export function unsafe(name: string, why: string): UnsafeArchiveEntryError {
  return new UnsafeArchiveEntryError(
    name,
    `refusing config archive entry ${JSON.stringify(name)}: ${why}; nothing was written outside the target dir`,
  );
}

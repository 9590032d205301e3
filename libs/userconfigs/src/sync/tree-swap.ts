import { execFile } from 'node:child_process';
import { mkdir, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SWAP_TRIES = 8;

/**
 * Moves each top-level entry of `staged` into `dir`, the dir a running container can write.
 * Every change inside `dir` is a `rename` of a single name: rename never follows a symlink in its
 * last component, and `dir` itself (the container's mount source) is not the container's to
 * replace. Whatever sits under a name first goes, whole, into `trash` (root-only, on the same
 * filesystem, out of the container's reach); if the container recreates the name in between,
 * we move that aside too and try again. Nothing is deleted here: see `removeTree`.
 */
export async function swapInto(staged: string, dir: string, trash: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await mkdir(trash, { mode: 0o700 });
  let n = 0;
  for (const name of await readdir(staged)) {
    for (let attempt = 1; ; attempt++) {
      try {
        await rename(join(dir, name), join(trash, String(n++)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      try {
        await rename(join(staged, name), join(dir, name));
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const raced = code === 'EEXIST' || code === 'ENOTEMPTY' || code === 'EISDIR' || code === 'ENOTDIR';
        if (!raced || attempt >= SWAP_TRIES) throw err;
      }
    }
  }
}

/**
 * Deletes a tree that may hold entries a container made (and may still reach through an open
 * directory fd). GNU `rm` walks with fts: openat relative to the parent's fd, O_NOFOLLOW, and a
 * dev/ino check on every directory, so swapping a dir for a symlink mid-walk cannot redirect it;
 * Node's recursive `rm` resolves whole paths at each step and can be redirected.
 */
export async function removeTree(path: string): Promise<void> {
  await run('rm', ['-rf', '--one-file-system', '--', path]);
}

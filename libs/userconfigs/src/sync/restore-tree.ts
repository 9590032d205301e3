import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { unpackConfigArchive } from '../archive/config-archive';
import type { Owner } from '../archive/tar-unpack';
import { abortReason } from './key-lock';
import type { ProgressCounter } from './progress';
import { removeTree, swapInto } from './tree-swap';

export interface RestoreTarget {
  token: string;
  dir: string;
  owner?: Owner;
  stagingDir?: string;
  signal?: AbortSignal;
}

/**
 * A root-only staging dir (`.<dir>.restore-<rand>`, mode 0700) out of the container's reach, on
 * the same filesystem as `dir` so that entries move in by rename. By default it is a sibling of
 * `dir`: the daemon mounts only `unpacked_configs` itself into the container.
 */
export async function makeStaging(target: RestoreTarget): Promise<string> {
  const parent = target.stagingDir ?? dirname(target.dir);
  const staging = join(parent, `.${basename(target.dir)}.restore-${randomBytes(6).toString('hex')}`);
  await mkdir(staging, { mode: 0o700 });
  return staging;
}

/**
 * Unpacks `body` under `staging` and, only when all of it unpacked and the signal has not fired,
 * swaps the entries into `dir`. A failure or an abort leaves `dir` as it was.
 */
export async function unpackAndSwap(
  body: Readable,
  counter: ProgressCounter,
  staging: string,
  attempt: number,
  target: RestoreTarget,
): Promise<void> {
  const tree = join(staging, `tree-${attempt}`);
  // Destroying the body ends the unpack (its pipeline destroys the rest) and the S3 socket with it.
  const onAbort = (): void => void body.destroy(abortReason(target.signal as AbortSignal));
  target.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const unpacking = unpackConfigArchive(body, target.token, tree, {
      owner: target.owner,
      signal: target.signal,
    });
    // Counted beside the unpack's own reader, which unpackConfigArchive attached synchronously:
    // no stream hop of its own per chunk.
    counter.watch(body);
    await unpacking;
  } finally {
    target.signal?.removeEventListener('abort', onAbort);
    body.destroy();
  }
  if (target.signal?.aborted) throw abortReason(target.signal);
  await swapInto(tree, target.dir, join(staging, 'trash'));
}

/**
 * Removes the staging dir. After a restore that swapped into an empty `dir` it holds only empty
 * dirs (the unpacked tree moved out, an empty trash): `rmdir` each, which never follows or deletes
 * through anything. Anything else (a failed attempt's files, what the swap moved aside) goes to
 * `removeTree`.
 */
export async function dropStaging(staging: string): Promise<void> {
  try {
    for (const name of await readdir(staging)) await rmdir(join(staging, name));
    await rmdir(staging);
  } catch {
    await removeTree(staging);
  }
}

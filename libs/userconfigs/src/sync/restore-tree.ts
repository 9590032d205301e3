import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { unpackConfigArchive } from '../archive/config-archive';
import type { Owner } from '../archive/tar-unpack';
import { abortReason } from './key-lock';
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
  through: NodeJS.ReadWriteStream & Readable,
  staging: string,
  attempt: number,
  target: RestoreTarget,
): Promise<void> {
  const tree = join(staging, `tree-${attempt}`);
  // `pipeline` destroys both streams when either fails (the S3 body's socket goes with it).
  const counted = pipeline(body, through, () => undefined) as unknown as Readable;
  const onAbort = (): void => void counted.destroy(abortReason(target.signal as AbortSignal));
  target.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await unpackConfigArchive(counted, target.token, tree, { owner: target.owner });
  } finally {
    target.signal?.removeEventListener('abort', onAbort);
    counted.destroy();
  }
  if (target.signal?.aborted) throw abortReason(target.signal);
  await swapInto(tree, target.dir, join(staging, 'trash'));
}

export async function dropStaging(staging: string): Promise<void> {
  await removeTree(staging);
}

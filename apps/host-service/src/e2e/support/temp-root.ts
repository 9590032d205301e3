import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMountInfo } from '../../startup/shared-mount';

export async function makeTempRoot(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `host-service-e2e-${prefix}-`));
}

/** Mount points at or below `root` (a daemon killed mid-run leaves its bind mount). */
export async function mountsUnder(root: string): Promise<string[]> {
  const entries = parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
  return entries.map((e) => e.mountPoint).filter((m) => m === root || m.startsWith(`${root}/`));
}

/** Removes a test's temp root, unmounting anything left under it first. */
export async function removeTempRoot(root: string): Promise<void> {
  for (const m of (await mountsUnder(root)).reverse()) {
    await new Promise<void>((resolve) => execFile('umount', ['-l', m], () => resolve()));
  }
  await rm(root, { recursive: true, force: true });
}

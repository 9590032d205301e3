import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the system temp dir, named `<prefix>-XXXXXX`. */
export function makeTempRoot(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `${prefix}-`));
}

/** Mount points at or below `root` (a daemon killed mid-run leaves its bind mounts), outermost first. */
export async function mountsUnder(root: string): Promise<string[]> {
  return (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((m): m is string => m !== undefined)
    .map((m) => m.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((m) => m === root || m.startsWith(`${root}/`));
}

/** Removes a test's temp root, lazily unmounting anything left under it first (innermost first). */
export async function removeTempRoot(root: string): Promise<void> {
  for (const m of (await mountsUnder(root)).reverse()) {
    await new Promise<void>((resolve) => execFile('umount', ['-l', m], () => resolve()));
  }
  await rm(root, { recursive: true, force: true });
}

import { lstat, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StartupError } from '../util/startup-error';

/** The daemon mounts, chowns and talks to the Docker socket: it needs root. */
export function assertRoot(uid: number): void {
  if (uid !== 0) {
    throw new StartupError(
      'NOT_ROOT',
      `the host service must run as root (running as uid ${uid}); start it with sudo or as root`,
    );
  }
}

/** Names the FRACTAL_DIR whose containers the checkpoints next to it describe. */
export function fractalDirMarker(stateDir: string): string {
  return join(stateDir, 'fractal-dir');
}

/** Records that `fractalDir` is ours, so a later start may recover it instead of refusing it. */
export async function markFractalDirOurs(fractalDir: string, stateDir: string): Promise<void> {
  await writeFile(fractalDirMarker(stateDir), `${fractalDir}\n`, { mode: 0o600 });
}

/**
 * 'fresh' when FRACTAL_DIR does not exist; 'recover' when an earlier run of ours left it (its
 * marker next to the checkpoints names it): start-up then adopts or cleans what it holds. Any
 * other FRACTAL_DIR holds containers and mounts nothing describes: refuse rather than mix them.
 */
export async function checkFractalDir(fractalDir: string, stateDir: string): Promise<'fresh' | 'recover'> {
  const exists = await lstat(fractalDir).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw new StartupError('DIR_SETUP_FAILED', `cannot check FRACTAL_DIR ${fractalDir}: ${err.message}`, {
        cause: err,
      });
    },
  );
  if (!exists) return 'fresh';
  const marker = await readFile(fractalDirMarker(stateDir), 'utf8').catch(() => '');
  if (marker.trim() === fractalDir) return 'recover';
  throw new StartupError(
    'FRACTAL_DIR_EXISTS',
    `FRACTAL_DIR ${fractalDir} already exists, but no state of this host service describes it ` +
      '(it was left by another program or an older version). Make sure no host service is running, then clean up: ' +
      `docker rm -f $(docker ps -aq --filter label=fractal.dir=${fractalDir}); umount -R ${fractalDir}; rm -rf ${fractalDir}`,
  );
}

import { lstat } from 'node:fs/promises';
import { StartupError } from './startup-error';

/** The daemon mounts, chowns and talks to the Docker socket: it needs root. */
export function assertRoot(uid: number): void {
  if (uid !== 0) {
    throw new StartupError(
      'NOT_ROOT',
      `the host service must run as root (running as uid ${uid}); start it with sudo or as root`,
    );
  }
}

/**
 * A FRACTAL_DIR left by an earlier run means containers and mounts this run does not know
 * about; until crash recovery exists, refuse rather than mix the two.
 */
export async function assertFractalDirAbsent(fractalDir: string): Promise<void> {
  const exists = await lstat(fractalDir).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw new StartupError('DIR_SETUP_FAILED', `cannot check FRACTAL_DIR ${fractalDir}: ${err.message}`, {
        cause: err,
      });
    },
  );
  if (exists) {
    throw new StartupError(
      'FRACTAL_DIR_EXISTS',
      `FRACTAL_DIR ${fractalDir} already exists, left by an earlier run of the host service ` +
        '(recovering from a crash is not supported yet). Make sure no host service is running, then clean up: ' +
        `docker rm -f $(docker ps -aq --filter label=fractal.id); umount -R ${fractalDir}; rm -rf ${fractalDir}`,
    );
  }
}

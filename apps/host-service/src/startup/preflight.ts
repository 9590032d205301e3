import { lstat } from 'node:fs/promises';
import { StartupError } from './startup-error';

/**
 * Every container a daemon creates carries its FRACTAL_DIR under this label, so clean-up after a
 * crash removes that daemon's containers and never another daemon's on the same engine.
 */
export const INSTANCE_LABEL = 'fractal.dir';

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
        '(recovering from a crash is not supported yet). No host service holds this FRACTAL_PRIVATE_DIR now; ' +
        'clean up with `npm run start:localdev -- --clean` (localdev) or: ' +
        `docker rm -f $(docker ps -aq --filter label=${INSTANCE_LABEL}=${fractalDir}); umount -R ${fractalDir}; rm -rf ${fractalDir}`,
    );
  }
}

import { chmod, lstat, mkdir, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StartupError } from '../util/startup-error';

export interface OwnDirs {
  readonly fractalDir: string;
  readonly fractalPrivateDir: string;
  /** The local config store, when configs are kept on this host instead of S3. */
  readonly localStoreDir?: string;
}

/** Where UserConfigSync keeps encrypted archives that could not be uploaded yet. */
export function pendingUploadsDir(fractalPrivateDir: string): string {
  return join(fractalPrivateDir, 'pendingConfigUploads');
}

/**
 * Creates the daemon's dirs, readable by root only: containers reach their own subdirs through
 * bind mounts, which do not need search permission on the host-side parents, and each
 * container's user-config dir gets its owner from the container manager.
 */
export async function createOwnDirs(dirs: OwnDirs, recovering = false): Promise<void> {
  const make = async (dir: string, recursive: boolean): Promise<void> => {
    try {
      await mkdir(dir, { recursive, mode: 0o700 });
      // An existing private dir is what an earlier run left (pending uploads must survive it), but
      // it must be a real dir of ours: chmod follows symlinks.
      const st = await lstat(dir);
      if (!st.isDirectory()) throw new Error(`it exists and is not a directory (a symlink?)`);
      if (st.uid !== process.getuid?.()) throw new Error(`it belongs to uid ${st.uid}, not to us`);
      // mkdir's mode is filtered by the umask and ignored for dirs that already exist.
      await chmod(dir, 0o700);
    } catch (err) {
      throw new StartupError('DIR_SETUP_FAILED', `cannot create ${dir}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  };
  // A recovering start takes over the FRACTAL_DIR an earlier run of ours left; a fresh one makes it new.
  await make(dirs.fractalDir, recovering).catch(async (err: StartupError) => {
    // The parent may be missing on a fresh host (e.g. FRACTAL_DIR=/srv/fractal).
    if ((err.cause as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') throw err;
    await mkdir(join(dirs.fractalDir, '..'), { recursive: true, mode: 0o755 });
    await make(dirs.fractalDir, false);
  });
  await make(join(dirs.fractalDir, 'temp'), recovering);
  await make(dirs.fractalPrivateDir, true);
  // recursive: an earlier run leaves pending uploads (and their dir) behind on purpose.
  await make(pendingUploadsDir(dirs.fractalPrivateDir), true);
  if (dirs.localStoreDir !== undefined) await make(dirs.localStoreDir, true);
}

/**
 * Removes what this run owns: all of FRACTAL_DIR, the TLS files, and the private dir when
 * nothing else is left in it (pending uploads and a local config store must outlive the run).
 */
export async function removeOwnDirs(dirs: OwnDirs, keepFractalDir = false): Promise<void> {
  // Kept when a container's settings could not be saved: its dir and checkpoint wait for a retry.
  if (keepFractalDir) return;
  await rm(dirs.fractalDir, { recursive: true, force: true });
  await rm(join(dirs.fractalPrivateDir, 'containers', 'fractal-dir'), { force: true });
  await rmdir(join(dirs.fractalPrivateDir, 'containers')).catch(() => undefined);
  await rm(join(dirs.fractalPrivateDir, 'cert.pem'), { force: true });
  await rm(join(dirs.fractalPrivateDir, 'key.pem'), { force: true });
  await rmdir(pendingUploadsDir(dirs.fractalPrivateDir)).catch(() => undefined);
  // Our default store lives in the private dir; a store dir the operator chose stays.
  if (dirs.localStoreDir !== undefined && dirname(dirs.localStoreDir) === dirs.fractalPrivateDir) {
    await rmdir(dirs.localStoreDir).catch(() => undefined);
  }
  await rmdir(dirs.fractalPrivateDir).catch(() => undefined);
}

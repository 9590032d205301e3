import { readFileSync } from 'node:fs';
import { link, mkdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StartupError } from '../util/startup-error';

export const LOCK_FILE_NAME = 'host-service.pid';

export interface DaemonLock {
  readonly path: string;
  /** Removes the pidfile if it is still ours (and the private dir when that leaves it empty). */
  release(): Promise<void>;
}

/** Field 22 of /proc/<pid>/stat: start time in clock ticks, which tells a reused pid apart. */
export function processStartTime(pid: number | 'self'): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(content: string): number | undefined {
  const [pid, start] = content.trim().split(' ');
  if (!/^\d+$/.test(pid ?? '')) return undefined;
  return processStartTime(Number(pid)) === start ? Number(pid) : undefined;
}

/**
 * One daemon per FRACTAL_PRIVATE_DIR: `host-service.pid` holds "<pid> <start time>" for the
 * daemon's lifetime. A pidfile whose process is gone (SIGKILL, power loss) is stale and taken
 * over; `tools/run-localdev.sh --clean` reads the same file and refuses while its owner lives.
 */
export async function acquireDaemonLock(privateDir: string, pid = process.pid): Promise<DaemonLock> {
  const path = join(privateDir, LOCK_FILE_NAME);
  const mine = `${pid} ${processStartTime(pid) ?? '0'}\n`;
  const tmp = `${path}.${pid}`;
  try {
    await mkdir(privateDir, { recursive: true, mode: 0o700 });
    await writeFile(tmp, mine, { mode: 0o644 });
    // link() fails if the pidfile exists: two daemons starting together cannot both win.
    const taken = await link(tmp, path).then(
      () => false,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST') return true;
        throw err;
      },
    );
    if (taken) {
      const holder = alive(await readFile(path, 'utf8').catch(() => ''));
      if (holder !== undefined && holder !== pid) {
        throw new StartupError(
          'ALREADY_RUNNING',
          `another host service (pid ${holder}) is running with FRACTAL_PRIVATE_DIR ${privateDir}; stop it first, or give this one its own FRACTAL_DIR and FRACTAL_PRIVATE_DIR`,
        );
      }
      await rename(tmp, path);
      if ((await readFile(path, 'utf8')) !== mine)
        throw new StartupError('ALREADY_RUNNING', `another host service took ${path} while this one started`);
    }
  } catch (err) {
    if (err instanceof StartupError) throw err;
    throw new StartupError(
      'DIR_SETUP_FAILED',
      `cannot write the pidfile ${path}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  } finally {
    await rm(tmp, { force: true });
  }
  return {
    path,
    async release() {
      if ((await readFile(path, 'utf8').catch(() => '')) !== mine) return;
      await rm(path, { force: true });
      await rmdir(privateDir).catch(() => undefined);
    },
  };
}

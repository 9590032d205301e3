import { realpath } from 'node:fs/promises';
import { StartupError } from '../util/startup-error';

export interface MountInfoEntry {
  readonly mountId: number;
  readonly parentId: number;
  readonly mountPoint: string;
  /** e.g. `shared:1`, `master:2`; empty for a private mount. */
  readonly optionalFields: readonly string[];
}

/** Parses /proc/self/mountinfo (proc(5)); paths have spaces etc. escaped as octal `\040`. */
export function parseMountInfo(text: string): MountInfoEntry[] {
  const entries: MountInfoEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    if (fields.length < 7 || sep < 0) continue;
    entries.push({
      mountId: Number(fields[0]),
      parentId: Number(fields[1]),
      mountPoint: unescapeOctal(fields[4]),
      optionalFields: fields.slice(6, sep),
    });
  }
  return entries;
}

function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** The mount a path lives on: the longest mount point containing it; the latest one wins a tie. */
export function mountContaining(
  path: string,
  entries: readonly MountInfoEntry[],
): MountInfoEntry | undefined {
  let best: MountInfoEntry | undefined;
  for (const e of entries) {
    const contains = e.mountPoint === '/' || path === e.mountPoint || path.startsWith(`${e.mountPoint}/`);
    if (contains && (best === undefined || e.mountPoint.length >= best.mountPoint.length)) best = e;
  }
  return best;
}

export function isSharedMount(entry: MountInfoEntry): boolean {
  return entry.optionalFields.some((f) => f.startsWith('shared:'));
}

export interface SharedMountDeps {
  readonly readMountInfo: () => Promise<string>;
  /** Runs a command (mount/umount) and rejects when it fails. */
  readonly run: (command: string, args: readonly string[]) => Promise<void>;
  readonly logger: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

/**
 * Docker accepts `rshared` bind mounts only from a shared mount. Where `dir` is on a private
 * mount (common outside systemd), make it a shared bind mount of itself. Returns the undo step
 * (a no-op when nothing was changed).
 */
export async function ensureSharedMount(dir: string, deps: SharedMountDeps): Promise<() => Promise<void>> {
  const path = await realpath(dir);
  const entry = mountContaining(path, parseMountInfo(await deps.readMountInfo()));
  if (entry !== undefined && isSharedMount(entry)) {
    deps.logger.info({ dir: path, mountPoint: entry.mountPoint }, 'FRACTAL_DIR is already on a shared mount');
    // FRACTAL_DIR itself is the mount point: the bind an earlier run of ours made and left (a
    // crash or an upgrade). It is ours to undo at exit.
    if (entry.mountPoint === path) return () => unmount(path, deps);
    return async () => undefined;
  }
  try {
    await deps.run('mount', ['--bind', path, path]);
  } catch (err) {
    throw new StartupError(
      'SHARED_MOUNT_FAILED',
      `cannot bind-mount ${path} onto itself: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const undo = (): Promise<void> => unmount(path, deps);
  try {
    await deps.run('mount', ['--make-rshared', path]);
  } catch (err) {
    await undo().catch(() => undefined);
    throw new StartupError(
      'SHARED_MOUNT_FAILED',
      `cannot make ${path} a shared mount: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  deps.logger.info({ dir: path, was: entry?.mountPoint }, 'made FRACTAL_DIR a shared bind mount of itself');
  return undo;
}

async function unmount(path: string, deps: SharedMountDeps): Promise<void> {
  try {
    await deps.run('umount', [path]);
  } catch (err) {
    deps.logger.warn({ dir: path, err }, 'umount failed; detaching the mount lazily');
    await deps.run('umount', ['-l', path]);
  }
}

import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PersistedContainer } from './model';

const ID = /^[0-9a-f]{32}$/;

/** Where the checkpoints live: root-only, outside FRACTAL_DIR (which containers see). */
export function containerStateDir(fractalPrivateDir: string): string {
  return join(fractalPrivateDir, 'containers');
}

/**
 * One JSON file per container, mode 0600, replaced atomically: temp file, fsync, rename, fsync of
 * the dir. A SIGKILL at any point leaves either the old or the new checkpoint, never half of one.
 */
export class ContainerStateStore {
  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // Temp files of a write a crash interrupted.
    for (const name of await readdir(this.dir)) {
      if (name.endsWith('.tmp')) await rm(join(this.dir, name), { force: true });
    }
  }

  async save(state: PersistedContainer): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const target = this.file(state.fractalId);
    const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify(state));
      await handle.sync();
    } catch (err) {
      await handle.close();
      await rm(temp, { force: true });
      throw err;
    }
    await handle.close();
    await rename(temp, target).catch(async (err: unknown) => {
      await rm(temp, { force: true });
      throw err;
    });
    await this.syncDir();
  }

  async remove(fractalId: string): Promise<void> {
    await rm(this.file(fractalId), { force: true });
    await this.syncDir();
  }

  /** Every checkpoint; unreadable ones are reported through `onBad` and skipped. */
  async loadAll(onBad: (file: string, err: unknown) => void): Promise<PersistedContainer[]> {
    const names = await readdir(this.dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    const out: PersistedContainer[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const file = join(this.dir, name);
      try {
        const parsed = JSON.parse(await readFile(file, 'utf8')) as PersistedContainer;
        if (parsed.version !== 1 || !ID.test(parsed.fractalId) || `${parsed.fractalId}.json` !== name) {
          throw new Error('not a container checkpoint of this version');
        }
        out.push(parsed);
      } catch (err) {
        onBad(file, err);
      }
    }
    return out;
  }

  private file(fractalId: string): string {
    if (!ID.test(fractalId)) throw new Error(`not a FractalID: ${JSON.stringify(fractalId)}`);
    return join(this.dir, `${fractalId}.json`);
  }

  private async syncDir(): Promise<void> {
    const handle = await open(this.dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

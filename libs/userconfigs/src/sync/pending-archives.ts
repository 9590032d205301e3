import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfigKey } from '../config-key';

const SUFFIX = '.tar.lz4.enc';
const PARTIAL = '.partial';
const VERDICT = '.json';
const STAMP = /^(\d+)-(\d+)-/;

export interface PendingArchive {
  key: ConfigKey;
  path: string;
  name: string;
  /** When its session ended: the clock's ms in the stamp. */
  endedAt: number;
}

/**
 * What the backup's token made of the store when the archive was written: whether it opens the
 * current and the previous generation, by version. Without it, an uploader knows nothing and must
 * treat the stored archives as someone else's.
 */
export interface StoreVerdict {
  current?: { version: string; opens: boolean };
  previous?: { version: string; opens: boolean };
}

/**
 * Encrypted archives waiting for upload: `<pendingDir>/<user_id>/<app_name>/<stamp>.tar.lz4.enc`.
 * Stamps are the clock's milliseconds zero-padded, then a sequence, so names sort by age and the
 * newest per key is the last one. A new stamp always sorts after the key's existing archives, even
 * when a restarted process sees the same or an earlier clock.
 */
export class PendingArchives {
  private seq = 0;

  constructor(
    readonly dir: string,
    private readonly now: () => number,
  ) {}

  /** A fresh path for `key` (final name and the partial name to write first). */
  async allocate(key: ConfigKey): Promise<{ partial: string; final: string }> {
    const keyDir = join(this.dir, key.userId, key.appName);
    await mkdir(keyDir, { recursive: true, mode: 0o700 });
    let ms = Math.max(0, Math.floor(this.now()));
    let seq = this.seq++;
    const existing = await this.list(key);
    const last = STAMP.exec(existing[existing.length - 1]?.name ?? '');
    if (last) {
      const [lastMs, lastSeq] = [Number(last[1]), Number(last[2])];
      if (ms < lastMs || (ms === lastMs && seq <= lastSeq)) [ms, seq] = [lastMs, lastSeq + 1];
    }
    const stamp = `${String(ms).padStart(15, '0')}-${String(seq).padStart(6, '0')}-${randomBytes(3).toString('hex')}`;
    const final = join(keyDir, `${stamp}${SUFFIX}`);
    return { partial: `${final}${PARTIAL}`, final };
  }

  /** Complete pending archives for `key`, oldest first. */
  async list(key: ConfigKey): Promise<PendingArchive[]> {
    const keyDir = join(this.dir, key.userId, key.appName);
    const names = await readdir(keyDir).catch(() => [] as string[]);
    return names
      .filter((n) => n.endsWith(SUFFIX))
      .sort()
      .map((name) => ({ key, name, path: join(keyDir, name), endedAt: Number(STAMP.exec(name)?.[1] ?? 0) }));
  }

  /**
   * Deletes `.partial` files of `key`: a crash while writing left them. Call only while holding the
   * key's lock, when no backup of this process is writing one.
   */
  async dropPartials(key: ConfigKey): Promise<void> {
    const keyDir = join(this.dir, key.userId, key.appName);
    const names = await readdir(keyDir).catch(() => [] as string[]);
    const orphan = (n: string): boolean =>
      n.endsWith(`${SUFFIX}${VERDICT}`) && !names.includes(n.slice(0, -VERDICT.length));
    for (const name of names.filter((n) => n.endsWith(PARTIAL) || orphan(n))) {
      await unlink(join(keyDir, name)).catch(() => undefined);
    }
  }

  /** Every key that has a pending-archive dir. */
  async keys(): Promise<ConfigKey[]> {
    const keys: ConfigKey[] = [];
    for (const userId of await subdirs(this.dir)) {
      for (const appName of await subdirs(join(this.dir, userId))) keys.push({ userId, appName });
    }
    return keys;
  }

  /** Writes the verdict beside the (partial) archive, before the archive is renamed final. */
  async writeVerdict(final: string, verdict: StoreVerdict): Promise<void> {
    await writeFile(`${final}${VERDICT}`, JSON.stringify(verdict), { mode: 0o600 });
  }

  async readVerdict(archive: PendingArchive): Promise<StoreVerdict> {
    try {
      return JSON.parse(await readFile(`${archive.path}${VERDICT}`, 'utf8')) as StoreVerdict;
    } catch {
      return {};
    }
  }

  /** Deletes `archives` (and verdicts), then the key's dirs if they are empty now. */
  async remove(key: ConfigKey, archives: PendingArchive[]): Promise<void> {
    for (const a of archives) {
      await unlink(a.path).catch(() => undefined);
      await unlink(`${a.path}${VERDICT}`).catch(() => undefined);
    }
    await rmdir(join(this.dir, key.userId, key.appName)).catch(() => undefined);
    await rmdir(join(this.dir, key.userId)).catch(() => undefined);
  }

  async size(path: string): Promise<number> {
    return (await stat(path)).size;
  }
}

async function subdirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

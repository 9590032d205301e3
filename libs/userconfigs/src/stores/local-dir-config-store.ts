import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { configObjectKey, type ConfigKey } from '../config-key';
import { ConfigStoreError, UserConfigError } from '../errors';
import {
  generationKey,
  putOptions,
  type ConfigStore,
  type PutOptions,
  type StoreCallOptions,
  type StoredArchiveInfo,
} from './config-store';

const META = '.meta.json';

/**
 * The S3 layout on a local disk (`<root>/<user_id>/<app_name>/fractal-app-config.tar.lz4.enc`)
 * for localdev without a cloud account. Writes go to a temp file, are fsynced, then renamed, so a
 * reader never sees half an archive. The session end lives in a sidecar `<archive>.meta.json`,
 * written after the archive: a crash between the two leaves an archive that looks older than it
 * is, so a pending upload may still replace it, never the other way round.
 */
export class LocalDirConfigStore implements ConfigStore {
  constructor(readonly root: string) {
    if (typeof root !== 'string' || root.length === 0) {
      throw new UserConfigError(
        'INVALID_OPTIONS',
        'LocalDirConfigStore: root dir is empty; pass the dir to keep archives in',
      );
    }
  }

  async get(key: ConfigKey, options: StoreCallOptions = {}): Promise<Readable | null> {
    const { objectKey, path } = this.where(key, options);
    try {
      options.signal?.throwIfAborted();
      const handle = await open(path, 'r');
      // The stream owns the FileHandle and closes it; a bare fd would leave the handle to the GC,
      // which then closes the fd a second time (EBADF crash). 1 MiB reads: far fewer
      // thread-pool round trips and decipher calls than the 64 KiB default.
      const end = options.firstBytes ? options.firstBytes - 1 : undefined;
      const stream = handle.createReadStream({ highWaterMark: 1024 * 1024, end });
      destroyOnAbort(stream, options.signal);
      return stream;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new ConfigStoreError(objectKey, `cannot read ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  async head(key: ConfigKey, options: StoreCallOptions = {}): Promise<StoredArchiveInfo | null> {
    const { objectKey, path } = this.where(key, options);
    try {
      const st = await stat(path);
      const endedAt = await readEndedAt(`${path}${META}`);
      return { version: `${st.size}:${st.mtimeMs}:${st.ino}`, endedAt };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new ConfigStoreError(objectKey, `cannot stat ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  async put(key: ConfigKey, body: Readable, options?: PutOptions | number): Promise<void> {
    const { endedAt, signal } = putOptions(options);
    const { objectKey, path } = this.where(key);
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await pipeline(body, createWriteStream(temp, { mode: 0o600 }), { signal });
      await fsyncFile(temp);
      await rename(temp, path);
      await writeMeta(`${path}${META}`, endedAt);
    } catch (err) {
      body.destroy();
      await unlink(temp).catch(() => undefined);
      throw new ConfigStoreError(
        objectKey,
        `cannot write ${path}: ${(err as Error).message}; check the local config dir`,
        { cause: err },
      );
    }
  }

  async keepAsPrevious(key: ConfigKey, options: { signal?: AbortSignal } = {}): Promise<void> {
    const current = this.where(key).path;
    const { objectKey, path } = this.where(key, { generation: 'previous' });
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      options.signal?.throwIfAborted();
      await copyFile(current, temp);
      await fsyncFile(temp);
      await rename(temp, path);
      await writeMeta(`${path}${META}`, await readEndedAt(`${current}${META}`));
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw new ConfigStoreError(objectKey, `cannot keep ${current} as ${path}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  private where(key: ConfigKey, options: StoreCallOptions = {}): { objectKey: string; path: string } {
    const objectKey = generationKey(configObjectKey(key), options.generation);
    return { objectKey, path: join(this.root, objectKey) };
  }
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  await handle.sync().finally(() => handle.close());
}

async function readEndedAt(metaPath: string): Promise<number | undefined> {
  try {
    const value = (JSON.parse(await readFile(metaPath, 'utf8')) as { endedAt?: unknown }).endedAt;
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

async function writeMeta(metaPath: string, endedAt: number | undefined): Promise<void> {
  if (endedAt === undefined) {
    await unlink(metaPath).catch(() => undefined);
    return;
  }
  const temp = `${metaPath}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, JSON.stringify({ endedAt }), { mode: 0o600 });
  await rename(temp, metaPath);
}

export function destroyOnAbort(stream: Readable, signal: AbortSignal | undefined): void {
  if (!signal) return;
  const onAbort = (): void => {
    stream.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  };
  if (signal.aborted) return onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  stream.once('close', () => signal.removeEventListener('abort', onAbort));
}

import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { configObjectKey, type ConfigKey } from '../config-key';
import { ConfigStoreError, UserConfigError } from '../errors';
import type { ConfigStore } from './config-store';

/**
 * The S3 layout on a local disk (`<root>/<user_id>/<app_name>/fractal-app-config.tar.lz4.enc`)
 * for localdev without a cloud account. Writes go to a temp file, are fsynced, then renamed, so a
 * reader never sees half an archive.
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

  async get(key: ConfigKey): Promise<Readable | null> {
    const objectKey = configObjectKey(key);
    const path = join(this.root, objectKey);
    try {
      const handle = await open(path, 'r');
      // The stream owns the FileHandle and closes it; a bare fd would leave the handle to the GC,
      // which then closes the fd a second time (EBADF crash). 1 MiB reads: far fewer
      // thread-pool round trips and decipher calls than the 64 KiB default.
      return handle.createReadStream({ highWaterMark: 1024 * 1024 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new ConfigStoreError(objectKey, `cannot read ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  async put(key: ConfigKey, body: Readable): Promise<void> {
    const objectKey = configObjectKey(key);
    const path = join(this.root, objectKey);
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await pipeline(body, createWriteStream(temp, { mode: 0o600 }));
      const handle = await open(temp, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw new ConfigStoreError(
        objectKey,
        `cannot write ${path}: ${(err as Error).message}; check the local config dir`,
        {
          cause: err,
        },
      );
    }
  }
}

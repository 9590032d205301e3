import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { packConfigArchive } from '../archive/config-archive';
import type { Owner } from '../archive/tar-unpack';
import { unpackConfigArchive } from '../archive/config-archive';
import { configObjectKey, validateConfigKey, type ConfigKey } from '../config-key';
import { UserConfigError } from '../errors';
import { silentLogger, type UserConfigLogger } from '../logger';
import type { ConfigStore } from '../stores/config-store';
import { KeyLock } from './key-lock';
import { PendingArchives } from './pending-archives';

export interface UserConfigSyncOptions {
  store: ConfigStore;
  /** Where encrypted archives wait until the store confirms them; survives restarts. */
  pendingDir: string;
  logger?: UserConfigLogger;
  now?: () => number;
}

export interface SyncRequest {
  userId: string;
  appName: string;
  token: string;
  /** The container's config dir (unpacked_configs). */
  dir: string;
  owner?: Owner;
}

/**
 * Restores a user's app config into a container's dir and backs it up when the container dies.
 * A backup is first written, encrypted, to the pending dir and deleted only after the store
 * confirmed the upload, so a store outage never loses a config.
 */
export class UserConfigSync {
  private readonly store: ConfigStore;
  private readonly pending: PendingArchives;
  private readonly logger: UserConfigLogger;
  private readonly lock = new KeyLock();

  constructor(options: UserConfigSyncOptions) {
    if (!options?.store)
      throw new UserConfigError('INVALID_OPTIONS', 'UserConfigSync: options.store is required');
    if (typeof options.pendingDir !== 'string' || options.pendingDir.length === 0) {
      throw new UserConfigError(
        'INVALID_OPTIONS',
        'UserConfigSync: options.pendingDir is required (a dir on local disk)',
      );
    }
    this.store = options.store;
    this.pending = new PendingArchives(options.pendingDir, options.now ?? Date.now);
    this.logger = options.logger ?? silentLogger;
  }

  /** Unpacks the stored archive into `req.dir`; nothing lands in `dir` unless all of it unpacked. */
  async restore(req: SyncRequest): Promise<'restored' | 'first-session'> {
    const key = { userId: req.userId, appName: req.appName };
    const objectKey = configObjectKey(key);
    const body = await this.store.get(key);
    if (!body) {
      this.logger.info({ objectKey }, 'no stored config archive: first session');
      return 'first-session';
    }
    const staging = join(dirname(req.dir), `.${basename(req.dir)}.restore-${randomBytes(4).toString('hex')}`);
    try {
      await unpackConfigArchive(body, req.token, staging, { owner: req.owner });
      await mkdir(req.dir, { recursive: true });
      for (const name of await readdir(staging)) {
        const target = join(req.dir, name);
        await rm(target, { recursive: true, force: true });
        await rename(join(staging, name), target);
      }
    } catch (err) {
      this.logger.error({ objectKey, err }, 'config archive could not be restored');
      throw err;
    } finally {
      body.destroy();
      await rm(staging, { recursive: true, force: true });
    }
    this.logger.info({ objectKey, dir: req.dir }, 'config archive restored');
    return 'restored';
  }

  /** Packs `req.dir` (never deleted) into a pending archive and uploads it; 'pending' if the store failed. */
  async backup(req: Omit<SyncRequest, 'owner'>): Promise<'uploaded' | 'pending'> {
    const key = { userId: req.userId, appName: req.appName };
    validateConfigKey(key);
    return this.lock.run(configObjectKey(key), async () => {
      const { partial, final } = await this.pending.allocate(key);
      try {
        await pipeline(
          packConfigArchive(req.dir, req.token, {
            onSkip: (path, reason) =>
              this.logger.warn({ dir: req.dir, path, reason }, 'config entry not archived'),
          }),
          createWriteStream(partial, { mode: 0o600 }),
        );
        const handle = await open(partial, 'r');
        await handle.sync().finally(() => handle.close());
        await rename(partial, final);
      } catch (err) {
        await unlink(partial).catch(() => undefined);
        await this.pending.remove(key, []);
        throw err;
      }
      return (await this.uploadNewest(key)) ? 'uploaded' : 'pending';
    });
  }

  /** Uploads the newest pending archive of every key; older ones for that key are dropped. */
  async retryPending(): Promise<{ uploaded: number; remaining: number }> {
    let uploaded = 0;
    let remaining = 0;
    for (const key of await this.pending.keys()) {
      try {
        validateConfigKey(key);
      } catch (err) {
        this.logger.warn({ key, err }, 'skipping a pending-config dir whose name is not a valid key');
        continue;
      }
      const ok = await this.lock.run(configObjectKey(key), async () => {
        await this.pending.dropPartials(key);
        const list = await this.pending.list(key);
        if (list.length === 0) {
          await this.pending.remove(key, []);
          return undefined;
        }
        return this.uploadNewest(key);
      });
      if (ok === true) uploaded++;
      else if (ok === false) remaining++;
    }
    return { uploaded, remaining };
  }

  /** Caller holds the key's lock. Deletes the uploaded archive and every older one for the key. */
  private async uploadNewest(key: ConfigKey): Promise<boolean> {
    const list = await this.pending.list(key);
    const newest = list[list.length - 1];
    const objectKey = configObjectKey(key);
    let body: ReadStream | undefined;
    try {
      const size = await this.pending.size(newest.path);
      body = createReadStream(newest.path);
      await this.store.put(key, body, size);
    } catch (err) {
      this.logger.warn(
        { objectKey, pendingFile: newest.path, err },
        'config upload failed; the encrypted archive stays pending for retryPending()',
      );
      return false;
    } finally {
      // A store may fail without reading (or destroying) the body; its fd must not stay open.
      body?.destroy();
    }
    await this.pending.remove(key, list);
    this.logger.info({ objectKey, superseded: list.length - 1 }, 'config archive uploaded');
    return true;
  }
}

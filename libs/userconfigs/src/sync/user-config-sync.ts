import { createWriteStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { packConfigArchive } from '../archive/config-archive';
import type { Owner } from '../archive/tar-unpack';
import { configObjectKey, validateConfigKey, type ConfigKey } from '../config-key';
import { UserConfigError } from '../errors';
import { silentLogger, type UserConfigLogger } from '../logger';
import type { ConfigStore } from '../stores/config-store';
import { abortReason, KeyLock } from './key-lock';
import { PendingArchives } from './pending-archives';
import { ProgressCounter } from './progress';
import { restoreNewest } from './restore-newest';
import type { SyncContext } from './sync-context';
import { judgeStore } from './store-verdict';
import { uploadNewest, type UploadOutcome } from './upload-newest';

export interface UserConfigSyncOptions {
  store: ConfigStore;
  /** Where encrypted archives wait until the store confirms them; survives restarts. */
  pendingDir: string;
  logger?: UserConfigLogger;
  /** Reports what needs a person (e.g. to Sentry): an archive kept because no token of ours opens it. */
  captureError?: (err: unknown, context?: Record<string, unknown>) => void;
  now?: () => number;
  /** How often a long restore or backup logs its progress; default 5000 ms. */
  progressEveryMs?: number;
}

export interface SyncRequest {
  userId: string;
  appName: string;
  token: string;
  /** The container's config dir (unpacked_configs). Its parent must be ours, not the container's. */
  dir: string;
  owner?: Owner;
  /** Cancels the work itself: the S3 request, the decrypt/LZ4/tar pipeline and the file writes. */
  signal?: AbortSignal;
  /**
   * Restore only: a root-only dir on the same filesystem as `dir`, out of the container's reach,
   * under which the archive is unpacked before it is swapped in. Default: `dir`'s parent.
   */
  stagingDir?: string;
}

/**
 * Restores a user's app config into a container's dir and backs it up when the container dies.
 * Both hold the key's lock, so a restore sees the newest archive: a pending one (an upload that
 * failed) when it is newer than the stored one. A backup is first written, encrypted, to the
 * pending dir and deleted only after the store confirmed it or holds a newer one.
 */
export class UserConfigSync {
  private readonly ctx: SyncContext;
  private readonly now: () => number;
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
    const logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.ctx = {
      store: options.store,
      pending: new PendingArchives(options.pendingDir, this.now),
      logger,
      captureError:
        options.captureError ?? ((err, context) => logger.error({ ...context, err }, String(err))),
      progressEveryMs: options.progressEveryMs ?? 5_000,
    };
  }

  /**
   * Unpacks the newest archive this token opens (pending, stored, or the previous generation)
   * into `req.dir`; nothing lands in `dir` unless all of it unpacked.
   */
  async restore(req: SyncRequest): Promise<'restored' | 'first-session'> {
    const key = keyOf(req);
    return this.lock.run(configObjectKey(key), () => restoreNewest(this.ctx, key, req), req.signal);
  }

  /** Packs `req.dir` (never deleted) into a pending archive and uploads it; 'pending' if the store failed. */
  async backup(req: Omit<SyncRequest, 'owner' | 'stagingDir'>): Promise<'uploaded' | 'pending'> {
    const key = keyOf(req);
    const objectKey = configObjectKey(key);
    return this.lock.run(
      objectKey,
      async () => {
        const started = Date.now();
        const { logger, pending } = this.ctx;
        logger.info({ objectKey, dir: req.dir }, 'config backup started');
        const verdict = await judgeStore(this.ctx.store, key, req.token, req.signal);
        const { partial, final } = await pending.allocate(key);
        const counter = new ProgressCounter(logger, { objectKey }, 'config backup', this.ctx.progressEveryMs);
        try {
          const onSkip = (path: string, reason: string): void =>
            logger.warn({ dir: req.dir, path, reason }, 'config entry not archived');
          await pipeline(
            packConfigArchive(req.dir, req.token, { onSkip, signal: req.signal }),
            counter,
            createWriteStream(partial, { mode: 0o600 }),
            { signal: req.signal },
          );
          const handle = await open(partial, 'r');
          await handle.sync().finally(() => handle.close());
          await pending.writeVerdict(final, verdict);
          await rename(partial, final);
        } catch (err) {
          counter.stop();
          await unlink(partial).catch(() => undefined);
          await pending.remove(key, []);
          const cause = req.signal?.aborted ? abortReason(req.signal) : err;
          logger.error({ objectKey, err: cause, durationMs: Date.now() - started }, 'config backup failed');
          throw cause;
        }
        const outcome = await uploadNewest(this.ctx, key, req.signal);
        logger.info(
          { objectKey, bytes: counter.bytes, durationMs: Date.now() - started, outcome },
          'config backup finished',
        );
        return outcome === 'failed' ? 'pending' : 'uploaded';
      },
      req.signal,
    );
  }

  /** Uploads the newest pending archive of every key; older ones for that key are dropped. */
  async retryPending(
    options: { signal?: AbortSignal } = {},
  ): Promise<{ uploaded: number; remaining: number }> {
    let uploaded = 0;
    let remaining = 0;
    for (const key of await this.ctx.pending.keys()) {
      try {
        validateConfigKey(key);
      } catch (err) {
        this.ctx.logger.warn({ key, err }, 'skipping a pending-config dir whose name is not a valid key');
        continue;
      }
      const outcome = await this.lock.run(
        configObjectKey(key),
        async (): Promise<UploadOutcome | undefined> => {
          await this.ctx.pending.dropPartials(key);
          if ((await this.ctx.pending.list(key)).length === 0) {
            await this.ctx.pending.remove(key, []);
            return undefined;
          }
          return uploadNewest(this.ctx, key, options.signal);
        },
      );
      if (outcome === 'uploaded' || outcome === 'superseded') uploaded++;
      else if (outcome === 'failed') remaining++;
    }
    return { uploaded, remaining };
  }
}

function keyOf(req: { userId: string; appName: string }): ConfigKey {
  const key = { userId: req.userId, appName: req.appName };
  validateConfigKey(key);
  return key;
}

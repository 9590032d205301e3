import { createReadStream, type ReadStream } from 'node:fs';
import { configObjectKey, type ConfigKey } from '../config-key';
import { ConfigDecryptError } from '../errors';
import { known } from './store-verdict';
import type { SyncContext } from './sync-context';

export type UploadOutcome = 'uploaded' | 'superseded' | 'failed';

/**
 * Caller holds the key's lock. Uploads the newest pending archive of `key` unless the store holds
 * a newer one, then deletes it and every older one. Before replacing a stored archive that no
 * token of this archive's session opened, keeps it as the previous generation.
 */
export async function uploadNewest(
  ctx: SyncContext,
  key: ConfigKey,
  signal?: AbortSignal,
): Promise<UploadOutcome> {
  const { store, pending, logger } = ctx;
  const list = await pending.list(key);
  const newest = list[list.length - 1];
  const objectKey = configObjectKey(key);
  let body: ReadStream | undefined;
  try {
    const stored = await store.head(key, { signal });
    if (stored?.endedAt !== undefined && stored.endedAt > newest.endedAt) {
      logger.warn(
        { objectKey, pendingEndedAt: newest.endedAt, storedEndedAt: stored.endedAt, dropped: list.length },
        'pending config archive skipped: the store already holds a newer one',
      );
      await pending.remove(key, list);
      return 'superseded';
    }
    if (stored) await keepForeignArchive(ctx, key, stored, await pending.readVerdict(newest), signal);
    const size = await pending.size(newest.path);
    body = createReadStream(newest.path);
    await store.put(key, body, { contentLength: size, endedAt: newest.endedAt, signal });
  } catch (err) {
    logger.warn(
      { objectKey, pendingFile: newest.path, err },
      'config upload failed; the encrypted archive stays pending for retryPending()',
    );
    return 'failed';
  } finally {
    // A store may fail without reading (or destroying) the body; its fd must not stay open.
    body?.destroy();
  }
  await pending.remove(key, list);
  logger.info({ objectKey, superseded: list.length - 1 }, 'config archive uploaded');
  return 'uploaded';
}

async function keepForeignArchive(
  ctx: SyncContext,
  key: ConfigKey,
  stored: NonNullable<Awaited<ReturnType<SyncContext['store']['head']>>>,
  verdict: Awaited<ReturnType<SyncContext['pending']['readVerdict']>>,
  signal?: AbortSignal,
): Promise<void> {
  const current = known(verdict.current, stored);
  if (current === 'ours') return;
  const objectKey = configObjectKey(key);
  const previous = known(verdict.previous, await ctx.store.head(key, { generation: 'previous', signal }));
  const issue = new ConfigDecryptError(
    `the stored config archive ${objectKey} does not open with the token of the session being saved`,
  );
  if (current === 'foreign' && previous === 'foreign') {
    // Two archives no token of this session opens, one slot: the older one was kept on purpose.
    ctx.captureError(issue, { objectKey, kept: `${objectKey}.prev`, replaced: objectKey });
    return;
  }
  await ctx.store.keepAsPrevious(key, { signal });
  if (current === 'unknown') {
    // The backup could not ask the store (down, or an archive from before verdicts): keep it.
    ctx.logger.info(
      { objectKey, kept: `${objectKey}.prev` },
      'stored config archive kept as the previous generation',
    );
    return;
  }
  ctx.logger.warn(
    { objectKey, kept: `${objectKey}.prev` },
    'stored config archive kept as the previous generation',
  );
  ctx.captureError(issue, { objectKey, kept: `${objectKey}.prev` });
}

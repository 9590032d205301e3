import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { configObjectKey, type ConfigKey } from '../config-key';
import { ConfigDecryptError } from '../errors';
import { destroyOnAbort } from '../stores/local-dir-config-store';
import { abortReason } from './key-lock';
import { ProgressCounter } from './progress';
import { dropStaging, makeStaging, unpackAndSwap, type RestoreTarget } from './restore-tree';
import type { SyncContext } from './sync-context';

interface Candidate {
  what: string;
  open(): Promise<Readable | null>;
}

/**
 * Caller holds the key's lock. Tries, newest first, the pending archive (when the store holds
 * nothing newer), the stored one and the previous generation; a candidate this token does not
 * open gives way to the next. Throws the first ConfigDecryptError when none opens.
 */
export async function restoreNewest(
  ctx: SyncContext,
  key: ConfigKey,
  target: RestoreTarget,
): Promise<'restored' | 'first-session'> {
  const { logger, store, pending } = ctx;
  const objectKey = configObjectKey(key);
  const signal = target.signal;
  const started = Date.now();
  logger.info({ objectKey, dir: target.dir }, 'config restore started');
  const candidates: Candidate[] = [];
  await pending.dropPartials(key);
  const list = await pending.list(key);
  const newest = list[list.length - 1];
  let stored: Awaited<ReturnType<typeof store.head>> = null;
  // Without a pending archive there is nothing to compare the stored one with: straight to its GET
  // (a round trip less before the first byte of every restore).
  if (newest) {
    try {
      stored = await store.head(key, { signal });
    } catch (err) {
      // The store is down: the pending archive is the newest this host can know of, and restoring
      // it beats starting the session without settings.
      if (signal?.aborted) throw err;
      logger.warn({ objectKey, err }, 'config store unreachable; restoring the pending archive');
    }
  }
  if (newest && !(stored?.endedAt !== undefined && stored.endedAt > newest.endedAt)) {
    candidates.push({
      what: `pending ${newest.name}`,
      open: async () => {
        const stream = createReadStream(newest.path, { highWaterMark: 1024 * 1024 });
        destroyOnAbort(stream, signal);
        return stream;
      },
    });
  }
  let storedExists = false;
  candidates.push(
    {
      what: 'stored',
      open: async () => {
        const body = await store.get(key, { signal });
        storedExists = body !== null;
        return body;
      },
    },
    // A previous generation is only ever made when a current one is replaced: no current, no look.
    {
      what: 'previous generation',
      open: async () => (storedExists ? store.get(key, { generation: 'previous', signal }) : null),
    },
  );

  const staging = await makeStaging(target);
  let firstDecryptError: ConfigDecryptError | undefined;
  try {
    for (const [i, candidate] of candidates.entries()) {
      const body = await candidate.open();
      if (!body) continue;
      const counter = new ProgressCounter(logger, { objectKey }, 'config restore', ctx.progressEveryMs);
      try {
        await unpackAndSwap(body, counter, staging, i, target);
      } catch (err) {
        if (signal?.aborted) throw abortReason(signal);
        if (!(err instanceof ConfigDecryptError)) throw err;
        logger.warn(
          { objectKey, source: candidate.what, err },
          'config archive does not open with this token',
        );
        firstDecryptError ??= err;
        continue;
      } finally {
        counter.stop();
        body.destroy();
      }
      logger.info(
        {
          objectKey,
          source: candidate.what,
          dir: target.dir,
          bytes: counter.bytes,
          durationMs: Date.now() - started,
        },
        'config restore finished: restored',
      );
      return 'restored';
    }
  } catch (err) {
    logger.error({ objectKey, err, durationMs: Date.now() - started }, 'config restore failed');
    throw err;
  } finally {
    await dropStaging(staging).catch((err: unknown) =>
      logger.warn({ objectKey, staging, err }, 'restore staging dir could not be removed'),
    );
  }
  if (firstDecryptError) {
    logger.error(
      { objectKey, durationMs: Date.now() - started },
      'config restore failed: no archive opens with this token',
    );
    throw firstDecryptError;
  }
  logger.info({ objectKey, durationMs: Date.now() - started }, 'no stored config archive: first session');
  return 'first-session';
}

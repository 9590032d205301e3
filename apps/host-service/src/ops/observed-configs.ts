import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { UserConfigSync } from '@fractal/userconfigs';
import type { ConfigStore, SyncRequest, UserConfigSyncOptions } from '@fractal/userconfigs';
import type { OpsObserver } from './ops-types';

type ConfigObserver = Pick<OpsObserver, 'restoreObserved' | 'backupObserved' | 'configBytes'>;

/** UserConfigSync that reports how long each restore and backup took, and how it ended. */
export class ObservedUserConfigSync extends UserConfigSync {
  constructor(
    options: UserConfigSyncOptions,
    private readonly observer: ConfigObserver,
  ) {
    super(options);
  }

  override async restore(req: SyncRequest): Promise<'restored' | 'first-session'> {
    const started = performance.now();
    try {
      const outcome = await super.restore(req);
      this.observer.restoreObserved(outcome, seconds(started));
      return outcome;
    } catch (err) {
      this.observer.restoreObserved('failed', seconds(started));
      throw err;
    }
  }

  override async backup(req: Omit<SyncRequest, 'owner'>): Promise<'uploaded' | 'pending'> {
    const started = performance.now();
    try {
      const outcome = await super.backup(req);
      this.observer.backupObserved(outcome, seconds(started));
      return outcome;
    } catch (err) {
      this.observer.backupObserved('failed', seconds(started));
      throw err;
    }
  }
}

/** A config store that counts the archive bytes read from it and confirmed written to it. */
export function meteredStore(store: ConfigStore, observer: ConfigObserver): ConfigStore {
  return {
    async get(key, options) {
      const body = await store.get(key, options);
      if (body === null) return null;
      return counted(body, (n) => observer.configBytes('download', n));
    },
    head: (key, options) => store.head(key, options),
    async put(key, body, options) {
      let n = 0;
      const counting = counted(body, (total) => (n = total));
      await store.put(key, counting, options);
      const declared = typeof options === 'number' ? options : options?.contentLength;
      observer.configBytes('upload', declared ?? n);
    },
    // A server-side copy: no archive bytes pass through this host.
    keepAsPrevious: (key, options) => store.keepAsPrevious(key, options),
  };
}

function counted(source: Readable, onEnd: (bytes: number) => void): Readable {
  let n = 0;
  const through = new Transform({
    transform(chunk: Buffer, _enc, done) {
      n += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      onEnd(n);
      done();
    },
  });
  source.on('error', (err) => through.destroy(err));
  through.on('close', () => {
    if (!source.destroyed && !source.readableEnded) source.destroy();
  });
  return source.pipe(through);
}

const ARCHIVE = /\.tar\.lz4\.enc$/;

/** Complete archives waiting in `<pendingDir>/<user>/<app>/`; a missing dir counts as none. */
export async function countPendingUploads(pendingDir: string): Promise<number> {
  let n = 0;
  for (const user of await subdirs(pendingDir)) {
    for (const app of await subdirs(join(pendingDir, user))) {
      const names = await readdir(join(pendingDir, user, app)).catch(() => [] as string[]);
      n += names.filter((name) => ARCHIVE.test(name)).length;
    }
  }
  return n;
}

async function subdirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

function seconds(started: number): number {
  return (performance.now() - started) / 1000;
}

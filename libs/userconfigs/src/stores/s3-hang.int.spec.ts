import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type S3rver from 's3rver';
import { startS3rver } from '@tools/testing';
import { collect, tempDir, writeConfigDir } from '../../test/craft';
import { ConfigStoreError } from '../errors';
import { UserConfigSync } from '../sync/user-config-sync';
import { S3ConfigStore } from './s3-config-store';
import { TcpProxy } from '../../test/tcp-proxy';

const BUCKET = 'fractal-user-app-configs';
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

describe('S3ConfigStore: session ends, previous generation, and an S3 that stops answering', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let server: S3rver;
  let proxy: TcpProxy;
  const key = { userId: 'user-h', appName: 'Blender' };

  beforeAll(async () => {
    tmp = await tempDir();
    const s3 = await startS3rver(join(tmp.path, 's3'), BUCKET);
    server = s3.server;
    proxy = new TcpProxy(s3.port);
    await proxy.start();
  });
  afterAll(async () => {
    await proxy.close();
    await server.close();
    await tmp.cleanup();
  });
  afterEach(() => proxy.resume());

  const newStore = (): S3ConfigStore =>
    new S3ConfigStore({
      bucket: BUCKET,
      clientConfig: {
        endpoint: `http://127.0.0.1:${proxy.port}`,
        region: 'us-east-1',
        credentials,
        maxAttempts: 1,
      },
      connectionTimeoutMs: 1_000,
      socketTimeoutMs: 1_000,
    });

  it('stores the session end as object metadata and keeps a previous generation', async () => {
    const store = newStore();
    await store.put(key, Readable.from([Buffer.from('one')]), { endedAt: 1_700_000_000_123 });
    expect((await store.head(key))?.endedAt).toBe(1_700_000_000_123);
    expect((await collect((await store.get(key, { firstBytes: 2 })) as Readable)).toString()).toBe('on');
    await store.keepAsPrevious(key);
    await store.put(key, Readable.from([Buffer.from('two')]), { endedAt: 1_700_000_000_999 });
    const prev = await store.get(key, { generation: 'previous' });
    expect((await collect(prev as Readable)).toString()).toBe('one');
    expect((await store.head(key, { generation: 'previous' }))?.endedAt).toBe(1_700_000_000_123);
    expect(await store.head({ userId: 'nobody', appName: 'x' })).toBeNull();
  });

  it('gives up on a hung S3 within the socket timeout and frees the user at once (issue 17.3)', async () => {
    const sync = new UserConfigSync({ store: newStore(), pendingDir: join(tmp.path, 'pending') });
    expect(await sync.backup({ ...key, token: 'T', dir: await writeConfigDir(tmp.path, 'a', 'saved') })).toBe(
      'uploaded',
    );
    proxy.hang();
    const started = Date.now();
    await expect(sync.restore({ ...key, token: 'T', dir: join(tmp.path, 'r1') })).rejects.toThrow(
      ConfigStoreError,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    // The per-user lock is free: the next call for the same user runs now, not after the hang.
    const backupStarted = Date.now();
    expect(await sync.backup({ ...key, token: 'T', dir: await writeConfigDir(tmp.path, 'b', 'later') })).toBe(
      'pending',
    );
    expect(Date.now() - backupStarted).toBeLessThan(10_000);
    proxy.resume();
    expect(await sync.retryPending()).toEqual({ uploaded: 1, remaining: 0 });
    await sync.restore({ ...key, token: 'T', dir: join(tmp.path, 'r2') });
    expect(await readFile(join(tmp.path, 'r2/settings.ini'), 'utf8')).toBe('later');
  });

  it('aborts a restore whose signal fires while S3 hangs', async () => {
    const sync = new UserConfigSync({
      store: new S3ConfigStore({
        bucket: BUCKET,
        clientConfig: { endpoint: `http://127.0.0.1:${proxy.port}`, region: 'us-east-1', credentials },
        socketTimeoutMs: 60_000,
      }),
      pendingDir: join(tmp.path, 'pending2'),
    });
    proxy.hang();
    const started = Date.now();
    await expect(
      sync.restore({ ...key, token: 'T', dir: join(tmp.path, 'r3'), signal: AbortSignal.timeout(500) }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

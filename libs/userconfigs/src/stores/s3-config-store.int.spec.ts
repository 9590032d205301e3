import { S3Client } from '@aws-sdk/client-s3';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type S3rver from 's3rver';
import { startS3rver } from '@tools/testing';
import { collect, tempDir } from '../../test/craft';
import { ConfigStoreError } from '../errors';
import { UserConfigSync } from '../sync/user-config-sync';
import { S3ConfigStore } from './s3-config-store';

const BUCKET = 'fractal-user-app-configs';
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

describe('S3ConfigStore against s3rver on loopback', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let server: S3rver | undefined;
  let port = 0;

  const startServer = async (): Promise<void> => {
    ({ server, port } = await startS3rver(join(tmp.path, 's3'), BUCKET, port));
  };
  const stopServer = async (): Promise<void> => {
    await server?.close();
    server = undefined;
  };
  const newStore = (endpoint = `http://127.0.0.1:${port}`): S3ConfigStore =>
    new S3ConfigStore({
      bucket: BUCKET,
      env: { AWS_ENDPOINT_URL_S3: endpoint },
      clientConfig: { endpoint, region: 'us-east-1', credentials, maxAttempts: 2 },
    });

  beforeAll(async () => {
    tmp = await tempDir();
    await startServer();
  });
  afterAll(async () => {
    await stopServer();
    await tmp.cleanup();
  });

  const key = { userId: 'user-1', appName: 'Blender' };

  it('returns null for a missing key', async () => {
    expect(await newStore().get({ userId: 'nobody', appName: 'x' })).toBeNull();
  });

  it('stores, reads back and overwrites an object, multipart past 8 MB', async () => {
    const store = newStore();
    await store.put(key, Readable.from([Buffer.from('first')]));
    expect((await collect((await store.get(key)) as Readable)).toString()).toBe('first');
    const big = Buffer.alloc(20 * 1024 * 1024, 7);
    await store.put(key, Readable.from([big.subarray(0, 5e6), big.subarray(5e6)]));
    const back = await collect((await store.get(key)) as Readable);
    expect(back.length).toBe(big.length);
    expect(back.equals(big)).toBe(true);
  });

  it('backs up and restores through UserConfigSync, with the standard endpoint variable', async () => {
    const src = join(tmp.path, 'src');
    await mkdir(src, { recursive: true });
    await writeFile(join(src, 'prefs.json'), '{"theme":"dark"}');
    const sync = new UserConfigSync({ store: newStore(), pendingDir: join(tmp.path, 'pending') });
    expect(await sync.backup({ ...key, token: 'tok', dir: src })).toBe('uploaded');
    const dst = join(tmp.path, 'dst');
    expect(await sync.restore({ ...key, token: 'tok', dir: dst })).toBe('restored');
    expect(await readFile(join(dst, 'prefs.json'), 'utf8')).toBe('{"theme":"dark"}');
  });

  it('keeps the archive pending while the server is down and uploads it when it is back', async () => {
    const src = join(tmp.path, 'src2');
    await mkdir(src, { recursive: true });
    await writeFile(join(src, 'prefs.json'), 'v2');
    const sync = new UserConfigSync({ store: newStore(), pendingDir: join(tmp.path, 'pending2') });
    await stopServer();
    try {
      expect(await sync.backup({ ...key, token: 'tok', dir: src })).toBe('pending');
      expect(await sync.retryPending()).toEqual({ uploaded: 0, remaining: 1 });
    } finally {
      await startServer();
    }
    expect(await sync.retryPending()).toEqual({ uploaded: 1, remaining: 0 });
    const dst = join(tmp.path, 'dst2');
    await sync.restore({ ...key, token: 'tok', dir: dst });
    expect(await readFile(join(dst, 'prefs.json'), 'utf8')).toBe('v2');
  });

  it('wraps server errors (missing bucket, 500s) in ConfigStoreError', async () => {
    const noBucket = new S3ConfigStore({
      bucket: 'no-such-bucket',
      client: new S3Client({
        endpoint: `http://127.0.0.1:${port}`,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials,
      }),
    });
    await expect(noBucket.put(key, Readable.from([Buffer.from('x')]))).rejects.toThrow(ConfigStoreError);
    await expect(noBucket.get(key)).rejects.toThrow(ConfigStoreError);

    let hits = 0;
    const failing: Server = createServer((req, res) => {
      hits++;
      req.resume();
      res.writeHead(500, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0"?><Error><Code>InternalError</Code><Message>boom</Message></Error>');
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    try {
      const store = newStore(`http://127.0.0.1:${(failing.address() as AddressInfo).port}`);
      await expect(store.get(key)).rejects.toThrow(/HTTP 500/);
      expect(hits).toBe(2);
      const sync = new UserConfigSync({ store, pendingDir: join(tmp.path, 'pending3') });
      const src = join(tmp.path, 'src');
      expect(await sync.backup({ ...key, token: 'tok', dir: src })).toBe('pending');
    } finally {
      await new Promise((resolve) => failing.close(resolve));
    }
  });
});

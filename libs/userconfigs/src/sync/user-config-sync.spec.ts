import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildSampleTree, snapshotTree, tempDir, writeConfigDir } from '../archive/craft.test-util';
import { ConfigDecryptError, ConfigStoreError, InvalidConfigKeyError } from '../errors';
import { LocalDirConfigStore } from '../stores/local-dir-config-store';
import { InMemoryConfigStore } from '../testing';
import { UserConfigSync } from './user-config-sync';

describe('UserConfigSync', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let store: InMemoryConfigStore;
  let clock: number;
  let sync: UserConfigSync;
  const key = { userId: 'u1', appName: 'Blender' };
  const objectKey = 'u1/Blender/fractal-app-config.tar.lz4.enc';

  beforeEach(async () => {
    tmp = await tempDir();
    store = new InMemoryConfigStore();
    clock = 1_000;
    sync = new UserConfigSync({ store, pendingDir: join(tmp.path, 'pending'), now: () => clock });
  });
  afterEach(() => tmp.cleanup());

  const configDir = (name: string, content: string): Promise<string> =>
    writeConfigDir(tmp.path, name, content);
  const pendingFiles = async (): Promise<string[]> =>
    (await readdir(join(tmp.path, 'pending/u1/Blender')).catch(() => [])).filter((n) => n.endsWith('.enc'));

  it('reports a first session when nothing is stored', async () => {
    expect(await sync.restore({ ...key, token: 'T', dir: join(tmp.path, 'c') })).toBe('first-session');
  });

  it('backs up and restores the same tree, keeping the source dir', async () => {
    const src = join(tmp.path, 'src');
    await buildSampleTree(src);
    expect(await sync.backup({ ...key, token: 'T', dir: src })).toBe('uploaded');
    expect(store.objects.has(objectKey)).toBe(true);
    expect(await pendingFiles()).toEqual([]);
    expect((await snapshotTree(src)).length).toBeGreaterThan(5);
    const dst = join(tmp.path, 'dst');
    expect(await sync.restore({ ...key, token: 'T', dir: dst })).toBe('restored');
    expect(await snapshotTree(dst)).toEqual(await snapshotTree(src));
  });

  it('leaves the target untouched when restore fails', async () => {
    await sync.backup({ ...key, token: 'T', dir: await configDir('src', 'v1') });
    const dst = await configDir('dst', 'existing');
    await expect(sync.restore({ ...key, token: 'wrong', dir: dst })).rejects.toThrow(ConfigDecryptError);
    expect(await readdir(dst)).toEqual(['settings.ini']);
    expect(await readdir(tmp.path)).not.toContainEqual(expect.stringContaining('.restore-'));
  });

  it('keeps the archive pending while the store is down, then uploads it', async () => {
    store.down = true;
    const src = await configDir('src', 'v1');
    expect(await sync.backup({ ...key, token: 'T', dir: src })).toBe('pending');
    expect(await pendingFiles()).toHaveLength(1);
    expect(await readFile(join(src, 'settings.ini'), 'utf8')).toBe('v1');
    expect(await sync.retryPending()).toEqual({ uploaded: 0, remaining: 1 });
    store.down = false;
    expect(await sync.retryPending()).toEqual({ uploaded: 1, remaining: 0 });
    expect(await pendingFiles()).toEqual([]);
    const dst = join(tmp.path, 'dst');
    await sync.restore({ ...key, token: 'T', dir: dst });
    expect(await readFile(join(dst, 'settings.ini'), 'utf8')).toBe('v1');
  });

  it('uploads only the newest pending archive per key', async () => {
    store.down = true;
    await sync.backup({ ...key, token: 'T', dir: await configDir('s1', 'old') });
    clock = 2_000;
    await sync.backup({ ...key, token: 'T', dir: await configDir('s2', 'new') });
    expect(await pendingFiles()).toHaveLength(2);
    store.down = false;
    expect(await sync.retryPending()).toEqual({ uploaded: 1, remaining: 0 });
    expect(store.puts).toBe(1); // while down, the head before each put already failed
    const dst = join(tmp.path, 'dst');
    await sync.restore({ ...key, token: 'T', dir: dst });
    expect(await readFile(join(dst, 'settings.ini'), 'utf8')).toBe('new');
  });

  it('drops an older pending archive once a newer backup is uploaded', async () => {
    store.down = true;
    expect(await sync.backup({ ...key, token: 'T', dir: await configDir('s1', 'old') })).toBe('pending');
    store.down = false;
    clock = 2_000;
    expect(await sync.backup({ ...key, token: 'T', dir: await configDir('s2', 'new') })).toBe('uploaded');
    expect(await pendingFiles()).toEqual([]);
    expect(await sync.retryPending()).toEqual({ uploaded: 0, remaining: 0 });
    const dst = join(tmp.path, 'dst');
    await sync.restore({ ...key, token: 'T', dir: dst });
    expect(await readFile(join(dst, 'settings.ini'), 'utf8')).toBe('new');
  });

  it('serialises concurrent backups of one key in call order', async () => {
    const a = sync.backup({ ...key, token: 'T', dir: await configDir('s1', 'first') });
    const b = sync.backup({ ...key, token: 'T', dir: await configDir('s2', 'second') });
    expect(await Promise.all([a, b])).toEqual(['uploaded', 'uploaded']);
    const dst = join(tmp.path, 'dst');
    await sync.restore({ ...key, token: 'T', dir: dst });
    expect(await readFile(join(dst, 'settings.ini'), 'utf8')).toBe('second');
  });

  it('rejects invalid ids before touching the store or the disk', async () => {
    await expect(sync.backup({ userId: '../x', appName: 'a', token: 'T', dir: tmp.path })).rejects.toThrow(
      InvalidConfigKeyError,
    );
    await expect(sync.restore({ userId: 'u', appName: 'a/b', token: 'T', dir: tmp.path })).rejects.toThrow(
      InvalidConfigKeyError,
    );
    expect(store.gets + store.puts).toBe(0);
  });

  it('surfaces a store failure on restore as ConfigStoreError', async () => {
    store.down = true;
    await expect(sync.restore({ ...key, token: 'T', dir: join(tmp.path, 'd') })).rejects.toThrow(
      ConfigStoreError,
    );
  });

  it('works over the local-dir store with the S3 layout', async () => {
    const local = new LocalDirConfigStore(join(tmp.path, 'store'));
    const s = new UserConfigSync({ store: local, pendingDir: join(tmp.path, 'p2') });
    expect(await s.backup({ ...key, token: 'T', dir: await configDir('src', 'local') })).toBe('uploaded');
    expect(await readdir(join(tmp.path, 'store/u1/Blender'))).toEqual([
      'fractal-app-config.tar.lz4.enc',
      'fractal-app-config.tar.lz4.enc.meta.json',
    ]);
    expect(await s.restore({ ...key, token: 'T', dir: join(tmp.path, 'dst') })).toBe('restored');
    expect(await readFile(join(tmp.path, 'dst/settings.ini'), 'utf8')).toBe('local');
    expect(await local.get({ userId: 'nobody', appName: 'x' })).toBeNull();
  });
});

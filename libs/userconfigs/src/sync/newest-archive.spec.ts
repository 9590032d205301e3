import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir, writeConfigDir } from '../../test/craft';
import { ConfigDecryptError } from '../errors';
import { InMemoryConfigStore } from '../testing';
import { UserConfigSync } from './user-config-sync';

describe('UserConfigSync restores the newest archive and never rolls settings back', () => {
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

  const save = (content: string, token = 'T'): Promise<'uploaded' | 'pending'> =>
    writeConfigDir(tmp.path, `src-${Math.random()}`, content).then((dir) =>
      sync.backup({ ...key, token, dir }),
    );
  const restored = async (token = 'T', s = sync): Promise<string | undefined> => {
    const dir = join(tmp.path, `dst-${Math.random()}`);
    await s.restore({ ...key, token, dir });
    return readFile(join(dir, 'settings.ini'), 'utf8').catch(() => undefined);
  };

  it('restores a pending archive that is newer than the stored one (defect 1: rollback)', async () => {
    expect(await save('session 1')).toBe('uploaded');
    store.down = true;
    clock = 2_000;
    expect(await save('session 2')).toBe('pending');
    store.down = false;
    expect(await restored()).toBe('session 2');
    clock = 3_000;
    expect(await save('session 3')).toBe('uploaded');
    expect(await sync.retryPending()).toEqual({ uploaded: 0, remaining: 0 });
    expect(await restored()).toBe('session 3');
  });

  it('waits for a running backup of the same key before restoring', async () => {
    expect(await save('old')).toBe('uploaded');
    clock = 2_000;
    const dir = await writeConfigDir(tmp.path, 'src', 'just saved');
    const backup = sync.backup({ ...key, token: 'T', dir });
    const restore = restored();
    expect(await restore).toBe('just saved');
    expect(await backup).toBe('uploaded');
  });

  it('skips a pending archive when the store holds a newer one (defect 5)', async () => {
    store.down = true;
    clock = 2_000;
    expect(await save('older, from this host')).toBe('pending');
    store.down = false;
    const other = new UserConfigSync({ store, pendingDir: join(tmp.path, 'other'), now: () => 5_000 });
    expect(
      await other.backup({ ...key, token: 'T', dir: await writeConfigDir(tmp.path, 'o', 'newer') }),
    ).toBe('uploaded');
    expect(store.endedAt.get(objectKey)).toBe(5_000);
    expect(await restored()).toBe('newer');
    expect(await sync.retryPending()).toEqual({ uploaded: 1, remaining: 0 });
    expect(await restored()).toBe('newer');
    expect(await readdir(join(tmp.path, 'pending'))).toEqual([]);
  });

  it('records when the session ended with every upload', async () => {
    clock = 4_242;
    await save('x');
    expect(store.endedAt.get(objectKey)).toBe(4_242);
  });

  it('keeps an archive a wrong token could not open as the previous generation (issue 17.1)', async () => {
    const reports: unknown[] = [];
    sync = new UserConfigSync({
      store,
      pendingDir: join(tmp.path, 'pending'),
      now: () => clock,
      captureError: (err) => reports.push(err),
    });
    expect(await save('real settings', 'RIGHT')).toBe('uploaded');
    clock = 2_000;
    await expect(restored('WRONG')).rejects.toThrow(ConfigDecryptError);
    expect(await save('empty session', 'WRONG')).toBe('uploaded');
    expect(store.objects.has(`${objectKey}.prev`)).toBe(true);
    expect(reports).toHaveLength(1);
    // A second wrong session with its own token must not push the real settings out either.
    clock = 3_000;
    await expect(restored('WRONG-2')).rejects.toThrow(ConfigDecryptError);
    expect(await save('another empty session', 'WRONG-2')).toBe('uploaded');
    expect(await restored('RIGHT')).toBe('real settings');
    clock = 4_000;
    expect(await save('real settings, later', 'RIGHT')).toBe('uploaded');
    expect(await restored('RIGHT')).toBe('real settings, later');
  });

  it('does not rotate the previous generation when the token opens the stored archive', async () => {
    await save('one');
    clock = 2_000;
    await save('two');
    expect(store.objects.has(`${objectKey}.prev`)).toBe(false);
  });

  it('aborts a stalled restore, leaves the dir as it was and frees the key at once', async () => {
    expect(await save('stored')).toBe('uploaded');
    const dir = await writeConfigDir(tmp.path, 'live', 'before');
    store.stallBodies = true;
    const started = Date.now();
    await expect(
      sync.restore({ ...key, token: 'T', dir, signal: AbortSignal.timeout(300) }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await readdir(dir)).toEqual(['settings.ini']);
    expect(await readFile(join(dir, 'settings.ini'), 'utf8')).toBe('before');
    expect((await readdir(tmp.path)).filter((n) => n.includes('.restore-'))).toEqual([]);
    store.stallBodies = false;
    clock = 2_000;
    expect(await save('after the abort')).toBe('uploaded');
  });

  it('a caller whose signal fires while it waits for the key leaves at once', async () => {
    await save('stored');
    store.stallBodies = true;
    const slow = sync.restore({
      ...key,
      token: 'T',
      dir: join(tmp.path, 'a'),
      signal: AbortSignal.timeout(1_000),
    });
    const started = Date.now();
    await expect(
      sync.restore({ ...key, token: 'T', dir: join(tmp.path, 'b'), signal: AbortSignal.timeout(100) }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(800);
    await expect(slow).rejects.toThrow();
  });

  it('a cancelled backup leaves no pending file and the store as it was', async () => {
    expect(await save('stored')).toBe('uploaded');
    const dir = await writeConfigDir(tmp.path, 'big', 'x'.repeat(4 << 20));
    const abort = new AbortController();
    const backup = sync.backup({ ...key, token: 'T', dir, signal: abort.signal });
    setImmediate(() => abort.abort(new Error('session timeout')));
    await expect(backup).rejects.toThrow('session timeout');
    expect(await readdir(join(tmp.path, 'pending')).catch(() => [])).toEqual([]);
    expect(await restored()).toBe('stored');
  });

  it("asks the store for the stored archive's age only when a pending archive competes with it", async () => {
    expect(await save('stored')).toBe('uploaded');
    const heads = store.heads;
    expect(await restored()).toBe('stored');
    expect(store.heads).toBe(heads); // nothing pending: straight to the GET
    store.down = true;
    clock = 2_000;
    expect(await save('pending')).toBe('pending');
    store.down = false;
    const before = store.heads;
    expect(await restored()).toBe('pending');
    expect(store.heads).toBeGreaterThan(before);
  });

  it('restores the pending archive while the store is down', async () => {
    expect(await save('stored')).toBe('uploaded');
    store.down = true;
    clock = 2_000;
    expect(await save('pending')).toBe('pending');
    expect(await restored()).toBe('pending');
  });
});

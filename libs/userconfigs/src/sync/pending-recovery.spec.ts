import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fdsUnder, tempDir, writeConfigDir } from '../../test/craft';
import { LocalDirConfigStore } from '../stores/local-dir-config-store';
import { InMemoryConfigStore } from '../testing';
import { UserConfigSync } from './user-config-sync';

describe('UserConfigSync pending archives', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  const key = { userId: 'u1', appName: 'Blender' };
  beforeEach(async () => {
    tmp = await tempDir();
  });
  afterEach(() => tmp.cleanup());

  const configDir = (name: string, content: string): Promise<string> =>
    writeConfigDir(tmp.path, name, content);
  const restored = async (sync: UserConfigSync): Promise<string> => {
    const dst = join(tmp.path, `dst-${Math.random()}`);
    await sync.restore({ ...key, token: 'T', dir: dst });
    return readFile(join(dst, 'settings.ini'), 'utf8');
  };

  it('closes the pending archive when the store fails before reading it', async () => {
    await writeFile(join(tmp.path, 'not-a-dir'), '');
    const store = new LocalDirConfigStore(join(tmp.path, 'not-a-dir'));
    const pendingDir = join(tmp.path, 'pending');
    const sync = new UserConfigSync({ store, pendingDir });
    expect(await sync.backup({ ...key, token: 'T', dir: await configDir('src', 'v1') })).toBe('pending');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await fdsUnder(pendingDir)).toEqual([]);
  });

  it.each([
    ['ties', 5_000],
    ['goes back', 4_000],
  ])('uploads the latest backup after a restart whose clock %s', async (_what, laterClock) => {
    const store = new InMemoryConfigStore();
    const pendingDir = join(tmp.path, 'pending');
    store.down = true;
    const before = new UserConfigSync({ store, pendingDir, now: () => 5_000 });
    await before.backup({ ...key, token: 'T', dir: await configDir('s1', 'older') });
    await before.backup({ ...key, token: 'T', dir: await configDir('s2', 'old') });
    store.down = false;
    const after = new UserConfigSync({ store, pendingDir, now: () => laterClock });
    expect(await after.backup({ ...key, token: 'T', dir: await configDir('s3', 'newest') })).toBe('uploaded');
    expect(await restored(after)).toBe('newest');
  });

  it('never uploads a partial archive a crash left behind, and removes it', async () => {
    const store = new InMemoryConfigStore();
    const pendingDir = join(tmp.path, 'pending');
    const keyDir = join(pendingDir, 'u1/Blender');
    await mkdir(keyDir, { recursive: true });
    await writeFile(join(keyDir, '000000000001000-000000-abcdef.tar.lz4.enc.partial'), 'half');
    const sync = new UserConfigSync({ store, pendingDir });
    expect(await sync.retryPending()).toEqual({ uploaded: 0, remaining: 0 });
    expect(store.puts).toBe(0);
    expect(await readdir(pendingDir)).toEqual([]);
  });
});

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryConfigStore } from '@fractal/userconfigs/testing';
import { ObservedUserConfigSync, countPendingUploads, meteredStore } from './observed-configs';

describe('observed config sync', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'observed-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('times restores and backups by outcome and counts the archive bytes each way', async () => {
    const seen: string[] = [];
    const bytes = { download: 0, upload: 0 };
    const observer = {
      restoreObserved: (o: string, s: number) => void seen.push(`restore ${o} ${s >= 0}`),
      backupObserved: (o: string, s: number) => void seen.push(`backup ${o} ${s >= 0}`),
      configBytes: (d: 'download' | 'upload', n: number) => void (bytes[d] += n),
    };
    const store = new InMemoryConfigStore();
    const sync = new ObservedUserConfigSync(
      { store: meteredStore(store, observer), pendingDir: join(root, 'pending') },
      observer,
    );
    const dir = join(root, 'configs');
    await mkdir(dir);
    const req = { userId: 'u', appName: 'a', token: 'tok', dir };
    await sync.restore(req);
    await writeFile(join(dir, 'settings.ini'), 'x'.repeat(5000));
    await sync.backup(req);
    await rm(dir, { recursive: true });
    await mkdir(dir);
    await sync.restore(req);
    await expect(sync.restore({ ...req, token: 'wrong' })).rejects.toThrow();
    expect(seen).toEqual([
      'restore first-session true',
      'backup uploaded true',
      'restore restored true',
      'restore failed true',
    ]);
    expect(bytes.upload).toBeGreaterThan(0);
    // Two downloads of the same archive (the second one fails to decrypt).
    expect(bytes.download).toBe(2 * bytes.upload);
  });

  it('counts complete pending archives only', async () => {
    expect(await countPendingUploads(join(root, 'none'))).toBe(0);
    await mkdir(join(root, 'p', 'u1', 'a'), { recursive: true });
    await mkdir(join(root, 'p', 'u2', 'b'), { recursive: true });
    await writeFile(join(root, 'p', 'u1', 'a', '1.tar.lz4.enc'), '');
    await writeFile(join(root, 'p', 'u1', 'a', '2.tar.lz4.enc.partial'), '');
    await writeFile(join(root, 'p', 'u2', 'b', '3.tar.lz4.enc'), '');
    expect(await countPendingUploads(join(root, 'p'))).toBe(2);
  });
});

import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOwnDirs, pendingUploadsDir, removeOwnDirs } from './own-dirs';

describe('own dirs', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'own-dirs-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

  it('creates every dir 0700, parents included', async () => {
    const dirs = {
      fractalDir: join(root, 'a', 'fractal'),
      fractalPrivateDir: join(root, 'private'),
      localStoreDir: join(root, 'private', 'store'),
    };
    await createOwnDirs(dirs);
    for (const d of [
      dirs.fractalDir,
      join(dirs.fractalDir, 'temp'),
      dirs.fractalPrivateDir,
      dirs.localStoreDir,
    ]) {
      expect(await mode(d)).toBe(0o700);
    }
    expect(await mode(pendingUploadsDir(dirs.fractalPrivateDir))).toBe(0o700);
  });

  it('removes what the run owns but keeps saved and pending configs', async () => {
    const dirs = {
      fractalDir: join(root, 'fractal'),
      fractalPrivateDir: join(root, 'private'),
      localStoreDir: join(root, 'private', 'store'),
    };
    await createOwnDirs(dirs);
    await writeFile(join(dirs.fractalPrivateDir, 'key.pem'), 'k');
    await writeFile(join(dirs.fractalPrivateDir, 'cert.pem'), 'c');
    await writeFile(join(dirs.localStoreDir, 'saved'), 'x');
    await removeOwnDirs(dirs);
    expect(await readdir(root)).toEqual(['private']);
    expect(await readdir(dirs.fractalPrivateDir)).toEqual(['store']);
  });

  it('removes the private dir when nothing is left in it', async () => {
    const dirs = { fractalDir: join(root, 'fractal'), fractalPrivateDir: join(root, 'private') };
    await createOwnDirs(dirs);
    await removeOwnDirs(dirs);
    expect(await readdir(root)).toEqual([]);
  });
});

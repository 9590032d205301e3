import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
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

  it('starts again over the private dirs an earlier run left, pending uploads kept (defect 2)', async () => {
    const dirs = {
      fractalDir: join(root, 'fractal'),
      fractalPrivateDir: join(root, 'private'),
      localStoreDir: join(root, 'private', 'store'),
    };
    await createOwnDirs(dirs);
    const keyDir = join(pendingUploadsDir(dirs.fractalPrivateDir), 'u1', 'app');
    await mkdir(keyDir, { recursive: true });
    await writeFile(join(keyDir, 'a.tar.lz4.enc'), 'pending');
    await removeOwnDirs(dirs);
    await createOwnDirs(dirs);
    expect(await readFile(join(keyDir, 'a.tar.lz4.enc'), 'utf8')).toBe('pending');
    expect(await mode(pendingUploadsDir(dirs.fractalPrivateDir))).toBe(0o700);
  });

  it('refuses a private dir that is a symlink', async () => {
    const dirs = { fractalDir: join(root, 'fractal'), fractalPrivateDir: join(root, 'private') };
    await mkdir(join(root, 'elsewhere'));
    await mkdir(dirs.fractalPrivateDir);
    await symlink(join(root, 'elsewhere'), pendingUploadsDir(dirs.fractalPrivateDir));
    await expect(createOwnDirs(dirs)).rejects.toThrow(
      /pendingConfigUploads: it exists and is not a directory/,
    );
  });
});

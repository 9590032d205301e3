import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOwnDirs, removeOwnDirs } from './own-dirs';

describe('own dirs across a recovering start', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'own-dirs-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('takes over an existing FRACTAL_DIR when recovering, and keeps it while settings wait for a retry', async () => {
    const dirs = { fractalDir: join(root, 'fractal'), fractalPrivateDir: join(root, 'private') };
    await createOwnDirs(dirs);
    await mkdir(join(dirs.fractalDir, 'kept', 'userConfigs'), { recursive: true });
    await expect(createOwnDirs(dirs)).rejects.toMatchObject({ code: 'DIR_SETUP_FAILED' });
    await createOwnDirs(dirs, true);
    await removeOwnDirs(dirs, true);
    expect(await readdir(join(dirs.fractalDir, 'kept'))).toEqual(['userConfigs']);
    await removeOwnDirs(dirs, false);
    expect(await readdir(root)).toEqual([]);
  });
});

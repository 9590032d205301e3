import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { assertRoot, checkFractalDir, markFractalDirOurs } from './preflight';

describe('preflight', () => {
  it('refuses to run as a normal user', () => {
    expect(() => assertRoot(1000)).toThrow(
      'the host service must run as root (running as uid 1000); start it with sudo or as root',
    );
    expect(() => assertRoot(0)).not.toThrow();
  });

  it('refuses a FRACTAL_DIR left by an earlier run, naming it and the clean-up', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'preflight-'));
    try {
      const state = join(dir, 'state');
      await expect(checkFractalDir(dir, state)).rejects.toMatchObject({
        code: 'FRACTAL_DIR_EXISTS',
        message: expect.stringContaining(`FRACTAL_DIR ${dir} already exists`),
      });
      await expect(checkFractalDir(dir, state)).rejects.toThrow(`umount -R ${dir}; rm -rf ${dir}`);
      await expect(checkFractalDir(join(dir, 'fresh'), state)).resolves.toBe('fresh');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('recovers a FRACTAL_DIR its marker names, and only that one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'preflight-'));
    try {
      const state = join(dir, 'state');
      await mkdir(state);
      await markFractalDirOurs(join(dir, 'other'), state);
      await expect(checkFractalDir(dir, state)).rejects.toMatchObject({ code: 'FRACTAL_DIR_EXISTS' });
      await markFractalDirOurs(dir, state);
      await expect(checkFractalDir(dir, state)).resolves.toBe('recover');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertFractalDirAbsent, assertRoot } from './preflight';

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
      await expect(assertFractalDirAbsent(dir)).rejects.toMatchObject({
        code: 'FRACTAL_DIR_EXISTS',
        message: expect.stringContaining(`FRACTAL_DIR ${dir} already exists`),
      });
      await expect(assertFractalDirAbsent(dir)).rejects.toThrow(`umount -R ${dir}; rm -rf ${dir}`);
      await expect(assertFractalDirAbsent(join(dir, 'fresh'))).resolves.toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTlsMaterial } from './tls';
import { reuseTlsMaterial } from './tls-reuse';

describe('reuseTlsMaterial', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tls-reuse-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('gives back the pair an earlier run wrote, and nothing for a missing, mismatched or expiring one', async () => {
    expect(await reuseTlsMaterial(dir)).toBeUndefined();
    const first = await createTlsMaterial(dir);
    expect(await reuseTlsMaterial(dir)).toEqual(first);
    expect(await reuseTlsMaterial(dir, new Date(Date.now() + 11 * 365 * 24 * 3600_000))).toBeUndefined();
    const elsewhere = await mkdtemp(join(tmpdir(), 'tls-other-'));
    try {
      await writeFile(join(dir, 'key.pem'), (await createTlsMaterial(elsewhere)).key);
      expect(await reuseTlsMaterial(dir)).toBeUndefined();
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});

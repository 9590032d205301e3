import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PersistedContainer } from './model';
import { ContainerStateStore } from './state-store';

const state = (fractalId: string): PersistedContainer => ({
  version: 1,
  fractalId,
  appName: 'a',
  source: 'api',
  createdAt: 1,
  phase: 'ready',
  held: { ports: [{ containerPort: 32262, protocol: 'tcp', hostPort: 40000 }], tty: 10, devices: false },
  acceptedToken: { userId: 'u', configEncryptionToken: 't', clientAppAuthSecret: 's' },
});

describe('ContainerStateStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'state-')), 'containers');
  });
  afterEach(() => rm(join(dir, '..'), { recursive: true, force: true }));

  it('writes one root-only file per container, replaced whole, and reads them back', async () => {
    const store = new ContainerStateStore(dir);
    const id = 'a'.repeat(32);
    await store.save(state(id));
    await store.save({ ...state(id), phase: 'cleaning' });
    expect(await readdir(dir)).toEqual([`${id}.json`]);
    expect((await stat(join(dir, `${id}.json`))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(await store.loadAll(() => undefined)).toEqual([{ ...state(id), phase: 'cleaning' }]);
    await store.remove(id);
    expect(await readdir(dir)).toEqual([]);
  });

  it('skips and reports unreadable checkpoints, and clears temp files a kill left', async () => {
    const store = new ContainerStateStore(dir);
    await store.init();
    await writeFile(join(dir, `${'b'.repeat(32)}.json`), '{"version":1,');
    await writeFile(join(dir, `${'c'.repeat(32)}.json`), JSON.stringify(state('d'.repeat(32))));
    await writeFile(join(dir, `${'e'.repeat(32)}.json.1234.tmp`), '{');
    const bad: string[] = [];
    expect(await store.loadAll((file) => bad.push(file))).toEqual([]);
    expect(bad).toHaveLength(2);
    await store.init();
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    await expect(store.save(state('../x'))).rejects.toThrow(/not a FractalID/);
  });
});

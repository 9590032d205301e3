import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configObjectKey } from '@fractal/userconfigs';
import { createHarness, spinReq, token, until, values } from '../../test/harness';
import type { Harness } from '../../test/harness';

const KEY = configObjectKey({ userId: 'user-1', appName: 'test-app' });
const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/**
 * A daemon that stops without cleaning (detach writes nothing a crash would not have: every
 * transition is already checkpointed), then a new one on the same engine, dirs and checkpoints.
 */
describe('recovery at start-up', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
    await h.manager.start();
  });
  afterEach(() => h.close());

  async function readyContainer(): Promise<{ id: string; port: number; tty: number; fractalId: string }> {
    const id = await h.manager.spinUp(spinReq);
    const view = h.manager.byDockerId(id);
    const port = view?.hostPort ?? 0;
    await h.manager.setStartValues(values(port));
    await h.manager.setConfigToken(token(port));
    return { id, port, tty: view?.tty ?? -1, fractalId: view?.fractalId ?? '' };
  }

  async function restart(): Promise<void> {
    await h.manager.detach();
    await h.restart().start();
  }

  it('adopts a ready container: same ports and TTY, never handed out again, saved once when it dies', async () => {
    const a = await readyContainer();
    await writeFile(join(h.fractalDir, a.fractalId, 'userConfigs', 'unpacked_configs', 'prefs'), 'dark');
    await restart();
    const adopted = h.manager.byHostPort(a.port);
    expect(adopted).toMatchObject({ fractalId: a.fractalId, dockerId: a.id, phase: 'ready', tty: a.tty });
    expect(h.ports.holderOf(a.port, 'tcp')).toBe(a.fractalId);
    expect(h.ttys.holderOf(a.tty)).toBe(a.fractalId);
    const other = h.manager.byDockerId(await h.manager.spinUp(spinReq));
    expect(other?.hostPort).not.toBe(a.port);
    expect(other?.tty).not.toBe(a.tty);
    // Start values and token are set: the API refuses them again.
    await expect(h.manager.setConfigToken(token(a.port))).rejects.toMatchObject({ code: 'ALREADY_SET' });
    const puts = h.store.puts;
    h.docker.kill(a.id);
    await until(() => h.manager.byDockerId(a.id) === undefined && !h.docker.containers.has(a.id));
    await until(() => h.store.objects.has(KEY));
    expect(h.store.puts).toBe(puts + 1);
    expect(h.ports.holderOf(a.port, 'tcp')).toBeUndefined();
    await until(async () => (await readdir(h.stateDir)).length === 1); // the other container's only
  });

  it('stops and cleans a running container that was not ready, saving nothing', async () => {
    const id = await h.manager.spinUp(spinReq);
    const port = h.manager.byDockerId(id)?.hostPort ?? 0;
    await h.manager.setStartValues(values(port));
    await restart();
    await until(() => !h.docker.containers.has(id));
    await until(async () => (await h.leftovers()).length === 0 && (await readdir(h.stateDir)).length === 0);
    expect([h.manager.size(), h.store.puts, h.ports.inUse('tcp'), h.ttys.inUse()]).toEqual([0, 0, 0, 0]);
  });

  it('cleans and saves a ready container that exited, or vanished, while the daemon was down', async () => {
    const a = await readyContainer();
    const b = await readyContainer();
    await h.manager.detach();
    const died = h.docker.containers.get(a.id);
    if (died) died.state = 'exited'; // died: no stream was listening
    h.docker.containers.delete(b.id); // removed by hand
    await h.restart().start();
    await until(async () => (await h.leftovers()).length === 0 && (await readdir(h.stateDir)).length === 0);
    expect(h.store.puts).toBe(2);
    expect(h.docker.containers.size).toBe(0);
  });

  it('removes a labelled container with no checkpoint, and dirs nobody owns; leaves other daemons alone', async () => {
    const orphan = 'ab'.repeat(16);
    const id = h.docker.seed({ 'fractal.id': orphan, 'fractal.dir': h.fractalDir });
    const foreign = h.docker.seed({ 'fractal.id': 'cd'.repeat(16), 'fractal.dir': '/elsewhere' });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(h.fractalDir, orphan, 'containerResourceMappings'), { recursive: true });
    await mkdir(join(h.fractalDir, 'temp', 'ef'.repeat(16)), { recursive: true });
    await restart();
    expect(h.docker.containers.has(id)).toBe(false);
    expect(h.docker.containers.has(foreign)).toBe(true);
    expect(await h.leftovers()).toEqual([]);
  });

  it('keeps a config dir whose backup failed, through shutdown, and saves it at the next start', async () => {
    const backup = h.deps.configs.backup.bind(h.deps.configs);
    let failing = true;
    h.restart({
      configs: {
        restore: h.deps.configs.restore.bind(h.deps.configs),
        backup: async (req) => {
          if (failing) throw new Error('disk full');
          return backup(req);
        },
      },
    });
    await h.manager.start();
    const a = await readyContainer();
    h.docker.kill(a.id);
    await until(() => h.memory.lines.some((l) => String(l['msg']).includes('kept for a retry')));
    await h.manager.shutdown();
    expect(await exists(join(h.fractalDir, a.fractalId, 'userConfigs', 'unpacked_configs'))).toBe(true);
    expect(await readdir(h.stateDir)).toEqual([`${a.fractalId}.json`]);
    failing = false;
    await h.restart().start();
    await until(() => h.store.objects.has(KEY));
    await until(async () => (await h.leftovers()).length === 0 && (await readdir(h.stateDir)).length === 0);
  });

  it('retries a failed settings save while running, then removes the kept dir and checkpoint', async () => {
    const backup = h.deps.configs.backup.bind(h.deps.configs);
    let failing = true;
    h.restart({
      timeouts: { settingsRetryMs: 50 },
      configs: {
        restore: h.deps.configs.restore.bind(h.deps.configs),
        backup: async (req) => {
          if (failing) throw new Error('S3 down and no space for a pending archive');
          return backup(req);
        },
      },
    });
    await h.manager.start();
    const a = await readyContainer();
    h.docker.kill(a.id);
    await until(() => h.memory.lines.some((l) => String(l['msg']).includes('kept for a retry')));
    expect(await readdir(h.stateDir)).toEqual([`${a.fractalId}.json`]);
    failing = false;
    await until(() => h.store.objects.has(KEY));
    await until(async () => (await h.leftovers()).length === 0 && (await readdir(h.stateDir)).length === 0);
    expect(h.store.puts).toBe(1);
  });

  it('removes an exited container whose docker rm failed once the event stream resubscribes (17.2)', async () => {
    const a = await readyContainer();
    h.docker.failRemove = true;
    h.docker.kill(a.id);
    await until(() => h.store.objects.has(KEY) && h.manager.size() === 0);
    await until(async () => (await readdir(h.stateDir)).length === 0);
    expect(h.docker.containers.get(a.id)?.state).toBe('exited');
    h.docker.failRemove = false;
    h.docker.breakEventStreams();
    await until(() => !h.docker.containers.has(a.id));
    expect(h.store.puts).toBe(1);
  });
});

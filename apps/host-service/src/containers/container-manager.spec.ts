import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { configObjectKey } from '@fractal/userconfigs';
import { HostServiceError } from './errors';
import { createHarness, spinReq, token, until, values } from '../../test/harness';
import type { Harness } from '../../test/harness';

describe('ContainerManager', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
    await h.manager.start();
  });
  afterEach(() => h.close());

  it('spins up a hardened container with its ports, mounts, labels, devices and resource files', async () => {
    const id = await h.manager.spinUp({ ...spinReq, mountCommand: '-v /srv/a:/a:ro' });
    const c = h.docker.containers.get(id);
    expect(c?.state).toBe('running');
    const entry = h.manager.byDockerId(id);
    expect(entry?.phase).toBe('running');
    const hc = c?.options.HostConfig ?? {};
    expect(hc.CapDrop).toEqual(['ALL']);
    expect(hc.CapAdd).toContain('SYS_NICE');
    expect(hc.ShmSize).toBe(8 * 1024 ** 3);
    expect(Object.keys(hc.Tmpfs ?? {})).toEqual(['/run', '/run/lock']);
    expect(hc.Runtime).toBeUndefined();
    expect(hc.Binds).toEqual(['/srv/a:/a:ro']);
    expect(hc.Devices).toHaveLength(3);
    expect(c?.options.Labels).toEqual({
      'fractal.id': entry?.fractalId,
      'fractal.app': 'test-app',
      'fractal.dir': h.fractalDir,
    });
    const hostPort = Number(hc.PortBindings['32262/tcp'][0].HostPort);
    expect(entry?.hostPort).toBe(hostPort);
    expect(Object.keys(hc.PortBindings)).toEqual(['32262/tcp', '32263/udp', '32273/tcp']);
    expect(hc.Mounts?.map((m) => [m.Target, m.ReadOnly ?? false, m.BindOptions?.Propagation])).toEqual([
      ['/fractal/resourceMappings', true, undefined],
      ['/fractal/userConfigs', false, 'rshared'],
      ['/tmp/sockets', false, undefined],
    ]);
    const res = join(h.fractalDir, entry?.fractalId ?? '', 'containerResourceMappings');
    expect(await readFile(join(res, 'hostPort_for_my_32262_tcp'), 'utf8')).toBe(String(hostPort));
    expect(await readFile(join(res, 'timeout'), 'utf8')).toBe('60');
    expect(Number(await readFile(join(res, 'tty'), 'utf8'))).toBe(h.ttys.heldBy(entry?.fractalId ?? '')[0]);
    const unpacked = await stat(
      join(h.fractalDir, entry?.fractalId ?? '', 'userConfigs', 'unpacked_configs'),
    );
    expect([unpacked.uid, unpacked.mode & 0o777]).toEqual([1000, 0o700]);
    expect(h.fdSends[0].socketPath).toBe(
      join(h.fractalDir, 'temp', entry?.fractalId ?? '', 'sockets', 'uinput.sock'),
    );
    expect(h.manager.size()).toBe(1);
  });

  it('asks for GPUs only when the engine has the NVIDIA runtime', async () => {
    const g = await createHarness({ hasNvidiaRuntime: true });
    try {
      const id = await g.manager.spinUp(spinReq);
      expect(g.docker.containers.get(id)?.options.HostConfig?.Runtime).toBe('nvidia');
    } finally {
      await g.close();
    }
  });

  it.each(['values-first', 'token-first'])(
    'restores the config and writes .ready last (%s)',
    async (order) => {
      const id = await h.manager.spinUp(spinReq);
      const entry = h.manager.byDockerId(id);
      const port = entry?.hostPort ?? 0;
      const ready = join(entry?.dirs.resources ?? '', '.ready');
      if (order === 'values-first') await h.manager.setStartValues(values(port));
      else await h.manager.setConfigToken(token(port));
      await expect(stat(ready)).rejects.toThrow();
      if (order === 'values-first') await h.manager.setConfigToken(token(port));
      else await h.manager.setStartValues(values(port));
      await stat(ready);
      expect(await readFile(join(entry?.dirs.resources ?? '', 'DPI'), 'utf8')).toBe('192');
      expect(await readFile(join(entry?.dirs.resources ?? '', 'ContainerARN'), 'utf8')).toBe('arn:aws:ecs:x');
      expect(h.store.gets).toBe(1);
      h.docker.kill(id);
      await until(() => h.manager.size() === 0);
      await until(async () => (await h.leftovers()).length === 0);
      expect(h.store.objects.has(configObjectKey({ userId: 'user-1', appName: 'test-app' }))).toBe(true);
    },
  );

  it('refuses a token whose client_app_auth_secret differs (406): no restore, no backup, not ready', async () => {
    const id = await h.manager.spinUp(spinReq);
    const entry = h.manager.byDockerId(id);
    await h.manager.setStartValues(values(entry?.hostPort ?? 0, 'secret-a'));
    await expect(h.manager.setConfigToken(token(entry?.hostPort ?? 0, 'secret-b'))).rejects.toMatchObject({
      code: 'TOKEN_REFUSED',
      message: expect.stringContaining('does not match its start values'),
    });
    await expect(stat(join(entry?.dirs.resources ?? '', '.ready'))).rejects.toThrow();
    expect(h.store.gets).toBe(0);
    h.docker.kill(id);
    await until(() => h.manager.size() === 0);
    await until(async () => (await h.leftovers()).length === 0);
    expect(h.store.puts).toBe(0);
  });

  it('still becomes ready when the restore fails, and reports it', async () => {
    const id = await h.manager.spinUp(spinReq);
    const port = h.manager.byDockerId(id)?.hostPort ?? 0;
    h.store.failNext(1);
    await h.manager.setStartValues(values(port));
    await h.manager.setConfigToken(token(port));
    await stat(join(h.manager.byDockerId(id)?.dirs.resources ?? '', '.ready'));
    expect(h.memory.captured).toHaveLength(1);
    // The store was unreachable, not the archive bad: an empty dir must not overwrite it later.
    const key = { userId: 'user-1', appName: 'test-app' };
    h.store.objects.set(configObjectKey(key), Buffer.from('the saved archive'));
    h.docker.kill(id);
    await until(async () => h.manager.size() === 0 && (await h.leftovers()).length === 0);
    expect(h.store.puts).toBe(0);
    expect(h.store.objects.get(configObjectKey(key))?.toString()).toBe('the saved archive');
  });

  it('saves the session config over an archive the token cannot open', async () => {
    const key = { userId: 'user-1', appName: 'test-app' };
    h.store.objects.set(configObjectKey(key), Buffer.from('not an openssl archive at all'));
    const id = await h.manager.spinUp(spinReq);
    const port = h.manager.byDockerId(id)?.hostPort ?? 0;
    await h.manager.setStartValues(values(port));
    await h.manager.setConfigToken(token(port));
    expect(h.memory.captured).toHaveLength(1);
    h.docker.kill(id);
    await until(async () => h.manager.size() === 0 && (await h.leftovers()).length === 0);
    expect(h.store.puts).toBe(1);
  });

  it('refuses a repeated endpoint and an unknown host port', async () => {
    const id = await h.manager.spinUp(spinReq);
    const port = h.manager.byDockerId(id)?.hostPort ?? 0;
    await h.manager.setStartValues(values(port));
    await expect(h.manager.setStartValues(values(port))).rejects.toMatchObject({ code: 'ALREADY_SET' });
    await h.manager.setConfigToken(token(port));
    await expect(h.manager.setConfigToken(token(port))).rejects.toMatchObject({ code: 'ALREADY_SET' });
    await expect(h.manager.setStartValues(values(port + 1))).rejects.toMatchObject({
      code: 'UNKNOWN_HOST_PORT',
    });
  });

  it('keeps the user config dir when the backup cannot be saved anywhere', async () => {
    const g = await createHarness({
      configs: {
        restore: async () => 'first-session',
        backup: async () => {
          throw new Error('disk full');
        },
      } as never,
    });
    try {
      await g.manager.start();
      const id = await g.manager.spinUp(spinReq);
      const entry = g.manager.byDockerId(id);
      await g.manager.setStartValues(values(entry?.hostPort ?? 0));
      await g.manager.setConfigToken(token(entry?.hostPort ?? 0));
      g.docker.kill(id);
      await until(() => g.manager.size() === 0);
      await until(() => g.memory.lines.some((l) => String(l['msg']).includes('kept for a retry')));
      expect(await g.leftovers()).toHaveLength(1);
      await stat(entry?.dirs.unpackedConfigs ?? '');
      await expect(stat(entry?.dirs.resources ?? '')).rejects.toThrow();
    } finally {
      await g.close();
    }
  });

  it('frees ports, TTY, devices and dirs and removes the container when it dies', async () => {
    const id = await h.manager.spinUp(spinReq);
    h.docker.kill(id);
    await until(() => h.manager.size() === 0);
    await until(async () => !h.docker.containers.has(id) && (await h.leftovers()).length === 0);
    expect(h.ports.inUse('tcp')).toBe(0);
    expect(h.ports.inUse('udp')).toBe(0);
    expect(h.ttys.inUse()).toBe(0);
    expect(h.devicesClosed).toBe(1);
    expect(h.fdSends[0].signal.aborted).toBe(true);
    await until(async () => (await h.leftovers()).length === 0);
  });

  it.each([
    ['a missing image', { appImage: 'fractal/nope:latest' }],
    ['a refused start', {}],
  ])('leaves nothing behind after %s', async (_what, change) => {
    if (!('appImage' in change)) h.docker.failStart = new Error('port is already allocated');
    const err = await h.manager.spinUp({ ...spinReq, ...change }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostServiceError);
    expect((err as HostServiceError).code).toBe('SPIN_UP_FAILED');
    expect(h.manager.size()).toBe(0);
    expect(h.docker.containers.size).toBe(0);
    expect([
      h.ports.inUse('tcp'),
      h.ports.inUse('udp'),
      h.ttys.inUse(),
      h.devicesMade.length - h.devicesClosed,
    ]).toEqual([0, 0, 0, 0]);
    expect(await h.leftovers()).toEqual([]);
  });

  it('leaves nothing behind when the device allocator throws', async () => {
    const g = await createHarness({
      devices: { allocate: () => Promise.reject(new Error('no /dev/uinput')) },
    });
    try {
      await expect(g.manager.spinUp(spinReq)).rejects.toMatchObject({
        code: 'SPIN_UP_FAILED',
        message: expect.stringContaining('no /dev/uinput'),
      });
      expect([g.manager.size(), g.ports.inUse('tcp'), g.ttys.inUse()]).toEqual([0, 0, 0]);
      expect(await g.leftovers()).toEqual([]);
    } finally {
      await g.close();
    }
  });

  it('refuses a mount command that is not -v bind mounts, before taking anything', async () => {
    await expect(h.manager.spinUp({ ...spinReq, mountCommand: '--privileged' })).rejects.toMatchObject({
      code: 'INVALID_MOUNT',
    });
    expect(await h.leftovers()).toEqual([]);
  });

  it('gives 20 concurrent spin-ups distinct ports and TTYs', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, () => h.manager.spinUp(spinReq)));
    const entries = ids.map((id) => h.manager.byDockerId(id));
    expect(new Set(entries.map((e) => e?.hostPort)).size).toBe(20);
    expect(new Set(entries.map((e) => e?.held.tty)).size).toBe(20);
    expect(h.ports.inUse('tcp')).toBe(40);
  });

  it('resubscribes with since after the stream breaks and cleans what died meanwhile', async () => {
    const id = await h.manager.spinUp(spinReq);
    h.docker.down = true;
    h.docker.breakEventStreams();
    const dead = h.docker.containers.get(id);
    if (dead) dead.state = 'exited'; // died while nobody listened: no event
    await new Promise((r) => setTimeout(r, 30));
    h.docker.down = false;
    await until(() => h.manager.size() === 0);
    expect(h.docker.eventSubscriptions.length).toBeGreaterThanOrEqual(2);
    expect(h.docker.eventSubscriptions.at(-1)?.since).toEqual(expect.any(Number));
    await until(async () => (await h.leftovers()).length === 0);
  });

  it('shutdown stops and removes every container, backs configs up, and refuses new spin-ups', async () => {
    const ids = await Promise.all([h.manager.spinUp(spinReq), h.manager.spinUp(spinReq)]);
    const port = h.manager.byDockerId(ids[0])?.hostPort ?? 0;
    await h.manager.setStartValues(values(port));
    await h.manager.setConfigToken(token(port));
    await h.manager.shutdown();
    expect(h.docker.containers.size).toBe(0);
    expect(h.store.puts).toBe(1);
    expect(await h.leftovers()).toEqual([]);
    await expect(h.manager.spinUp(spinReq)).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(h.docker.openStreams).toBe(0);
  });
});

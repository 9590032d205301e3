import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createFakeDeviceSet } from '@fractal/uinput/testing';
import { createHarness, spinReq, token, until, values } from '../../test/harness';
import type { Harness } from '../../test/harness';

describe('ContainerManager under races', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('creates no container for a spin-up that was reserving when shutdown began', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let asked = false;
    h = await createHarness({
      devices: {
        allocate: async () => {
          asked = true;
          await gate;
          return createFakeDeviceSet();
        },
      },
    });
    await h.manager.start();
    const spinning = h.manager.spinUp(spinReq).catch((e: unknown) => e);
    await until(() => asked);
    const stopped = h.manager.shutdown();
    release();
    await stopped;
    expect(await spinning).toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(h.docker.containers.size).toBe(0);
    expect([h.manager.size(), h.ports.inUse('tcp'), h.ttys.inUse()]).toEqual([0, 0, 0]);
    expect(await h.leftovers()).toEqual([]);
  });

  it('removes the container when Docker answers a create after the spin-up timed out', async () => {
    h = await createHarness({ timeouts: { dockerMs: 20 } });
    await h.manager.start();
    const create = h.docker.create.bind(h.docker);
    // An engine that ignores the abort and creates the container anyway, late.
    h.docker.create = async (options) => {
      await new Promise((r) => setTimeout(r, 60));
      return create(options);
    };
    await expect(h.manager.spinUp(spinReq)).rejects.toMatchObject({ code: 'SPIN_UP_FAILED' });
    await new Promise((r) => setTimeout(r, 80));
    await until(() => h.docker.containers.size === 0);
    expect(await h.leftovers()).toEqual([]);
  });

  it('removes a container Docker created for a reservation that shutdown already cleaned', async () => {
    h = await createHarness();
    await h.manager.start();
    const reservation = await h.manager.reserve({
      appName: 'a',
      desired: [{ containerPort: 32262, protocol: 'tcp', hostPort: 0 }],
    });
    await h.manager.shutdown();
    const late = await h.docker.create({ Image: 'fractal/test-protocol:latest' });
    await expect(h.manager.attach(reservation.fractalId, late, 'a')).rejects.toThrow(/no longer tracked/);
    await until(() => h.docker.containers.size === 0);
  });

  it('writes .ready only after DPI and ContainerARN when both halves arrive together', async () => {
    h = await createHarness();
    await h.manager.start();
    for (const secret of ['client-secret', 'other']) {
      const id = await h.manager.spinUp(spinReq);
      const entry = h.manager.byDockerId(id);
      const port = entry?.hostPort ?? 0;
      const res = entry?.dirs.resources ?? '';
      const sv = h.manager.setStartValues(values(port));
      await h.manager.setConfigToken(token(port, secret));
      const ready = await stat(join(res, '.ready')).then(
        () => true,
        () => false,
      );
      if (ready) {
        expect(await readFile(join(res, 'DPI'), 'utf8')).toBe('192');
        expect(await readFile(join(res, 'ContainerARN'), 'utf8')).toBe('arn:aws:ecs:x');
      }
      await sv;
      // A token that does not match the start values never makes the container ready.
      if (secret === 'client-secret') await stat(join(res, '.ready'));
      else expect(ready).toBe(false);
    }
  });

  it('lets the start values be sent again after writing them failed', async () => {
    h = await createHarness();
    await h.manager.start();
    const id = await h.manager.spinUp(spinReq);
    const entry = h.manager.byDockerId(id);
    const port = entry?.hostPort ?? 0;
    const dpi = join(entry?.dirs.resources ?? '', 'DPI');
    await mkdir(join(dpi, 'blocker'), { recursive: true }); // a rename onto it fails
    await expect(h.manager.setStartValues(values(port))).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await rm(dpi, { recursive: true });
    await h.manager.setStartValues(values(port));
    await h.manager.setConfigToken(token(port));
    expect(await readFile(dpi, 'utf8')).toBe('192');
    await stat(join(entry?.dirs.resources ?? '', '.ready'));
  });

  it('does not restore a config into a container whose cleanup began while start values were written', async () => {
    h = await createHarness();
    await h.manager.start();
    const id = await h.manager.spinUp(spinReq);
    const entry = h.manager.byDockerId(id);
    const port = entry?.hostPort ?? 0;
    const remove = h.docker.remove.bind(h.docker);
    h.docker.remove = async (cid: string) => {
      await new Promise((r) => setTimeout(r, 100)); // a slow docker rm keeps the dirs a while
      await remove(cid);
    };
    await h.manager.setConfigToken(token(port));
    const sv = h.manager.setStartValues(values(port)).catch((e: unknown) => e);
    await h.manager.cleanUp(entry?.fractalId ?? '', 'test');
    await sv;
    expect([h.store.gets, h.store.puts]).toEqual([0, 0]);
    expect(await h.leftovers()).toEqual([]);
  });
});

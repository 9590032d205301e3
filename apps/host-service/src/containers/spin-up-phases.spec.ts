import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { createHarness, spinReq, until } from '../../test/harness';
import type { Harness } from '../../test/harness';
import type { ContainerResource } from './resources';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('spin-up phases and concurrent resource groups', () => {
  let h: Harness | undefined;
  afterEach(() => h?.close());

  it('reports every phase of a spin-up, with its FractalID, through onPhase', async () => {
    const seen: Array<[string, number, string]> = [];
    h = await createHarness({ onPhase: (phase, ms, id) => seen.push([phase, ms, id]) });
    await h.manager.start();
    const dockerId = await h.manager.spinUp(spinReq);
    const fractalId = h.manager.byDockerId(dockerId)?.fractalId;
    expect(seen.map(([p]) => p).sort()).toEqual(
      [
        'validation',
        'dirs',
        'host ports',
        'tty',
        'uinput devices',
        'resource files',
        'checkpoint reserved',
        'waiting for a docker slot',
        'docker create',
        'checkpoint created',
        'docker start',
        'total',
      ].sort(),
    );
    for (const [, ms, id] of seen) {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(id).toBe(fractalId);
    }
  });

  it('a created checkpoint that fails while Docker starts fails the spin-up once the start settled', async () => {
    h = await createHarness();
    await h.manager.start();
    const harness = h;
    const create = harness.docker.create.bind(harness.docker);
    const start = harness.docker.start.bind(harness.docker);
    let startedWhenFailed: boolean | undefined;
    harness.docker.create = async (body, signal) => {
      const id = await create(body, signal);
      // The `created` checkpoint cannot be written: its dir is a file.
      await rm(harness.stateDir, { recursive: true, force: true });
      await writeFile(harness.stateDir, 'not a dir');
      return id;
    };
    harness.docker.start = async (id, signal) => {
      const failed = (): boolean =>
        harness.memory.lines.some((l) =>
          String(l['msg']).startsWith('writing the container checkpoint failed'),
        );
      await until(failed);
      // The failed checkpoint has not made the spin-up clean up under the start still in flight.
      startedWhenFailed = harness.docker.containers.has(id) && harness.manager.size() === 1;
      await rm(harness.stateDir, { force: true });
      await mkdir(harness.stateDir, { mode: 0o700 });
      await start(id, signal);
    };
    await expect(harness.manager.spinUp(spinReq)).rejects.toMatchObject({ code: 'SPIN_UP_FAILED' });
    expect(startedWhenFailed).toBe(true);
    await until(() => harness.manager.size() === 0 && harness.docker.containers.size === 0);
    await until(async () => (await readdir(harness.stateDir)).length === 0);
  });

  it('acquires a joinsPrevious group concurrently and releases only once all of it settled', async () => {
    const log: string[] = [];
    const slow: ContainerResource = {
      name: 'slow',
      async acquire() {
        log.push('slow start');
        await tick(30);
        log.push('slow done');
      },
      release: () => void log.push('slow released'),
      contribute: () => undefined,
      adopt: () => undefined,
    };
    const failing: ContainerResource = {
      name: 'failing',
      joinsPrevious: true,
      async acquire() {
        log.push('failing start');
        throw new Error('no such resource');
      },
      release: () => void log.push('failing released'),
      contribute: () => undefined,
      adopt: () => undefined,
    };
    const later: ContainerResource = {
      name: 'later',
      acquire: async () => void log.push('later start'),
      release: () => void log.push('later released'),
      contribute: () => undefined,
      adopt: () => undefined,
    };
    h = await createHarness({ resources: [slow, failing, later] });
    await h.manager.start();
    await expect(h.manager.spinUp(spinReq)).rejects.toMatchObject({ code: 'SPIN_UP_FAILED' });
    // Concurrent: the failing one began before the slow one finished; released in reverse order,
    // after both settled; the next group never began.
    expect(log).toEqual(['slow start', 'failing start', 'slow done', 'failing released', 'slow released']);
    expect(h.manager.size()).toBe(0);
  });
});

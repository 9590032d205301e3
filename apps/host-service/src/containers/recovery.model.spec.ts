import { readdir } from 'node:fs/promises';
import { configObjectKey } from '@fractal/userconfigs';
import { mulberry32 } from '@tools/testing';
import { createHarness, spinReq, until } from '../../test/harness';
import type { Harness } from '../../test/harness';

/** Seeded, so a failing run replays exactly. */
const prng = mulberry32;

interface Modelled {
  n: number;
  dockerId: string;
  port: number;
  tty: number;
  values: boolean;
  token: boolean;
  alive: boolean;
  /** Saves the reference model expects for this session: 1 once it died ready, else 0. */
  saves: number;
}

const ready = (c: Modelled): boolean => c.values && c.token;
const key = (c: Modelled): string => configObjectKey({ userId: `u${c.n}`, appName: 'test-app' });

/**
 * Random interleavings of spin-up, start values, token, container death, daemon crash (with and
 * without deaths while it is down), against a reference model: what is tracked, with which port
 * and TTY, and which sessions' settings were saved (exactly once each).
 */
describe('container manager against a reference model across crashes', () => {
  let h: Harness;
  afterEach(() => h.close());

  it.each([1, 2, 3, 4, 5, 6])('seed %i', async (seed) => {
    const rand = prng(seed);
    h = await createHarness();
    await h.manager.start();
    const model: Modelled[] = [];
    const alive = (): Modelled[] => model.filter((c) => c.alive);
    const pick = (from: Modelled[]): Modelled | undefined => from[Math.floor(rand() * from.length)];

    const settle = async (): Promise<void> => {
      const live = alive();
      await until(async () => {
        const files = await readdir(h.stateDir).catch(() => []);
        return (
          h.manager.size() === live.length &&
          files.length === live.length &&
          model.every((c) => c.saves === 0 || h.store.objects.has(key(c)))
        );
      }, 5000);
      for (const c of live) {
        expect(h.manager.byHostPort(c.port)).toMatchObject({ dockerId: c.dockerId, tty: c.tty });
        expect(h.manager.byHostPort(c.port)?.ready).toBe(ready(c));
      }
      expect(h.store.puts).toBe(model.reduce((sum, c) => sum + c.saves, 0));
    };

    const crash = async (deathsWhileDown: number): Promise<void> => {
      await h.manager.detach();
      for (let i = 0; i < deathsWhileDown; i += 1) {
        const c = pick(alive());
        if (!c) break;
        const fake = h.docker.containers.get(c.dockerId);
        if (fake) fake.state = 'exited';
        c.alive = false;
        c.saves = ready(c) ? 1 : 0;
      }
      // Running but not ready: stopped and cleaned at the restart, nothing saved.
      for (const c of alive()) if (!ready(c)) c.alive = false;
      await h.restart().start();
    };

    let crashes = 0;
    for (let step = 0; step < 30; step += 1) {
      const r = rand();
      const target = pick(alive());
      if (r < 0.25 || !target) {
        const dockerId = await h.manager.spinUp(spinReq);
        const view = h.manager.byDockerId(dockerId);
        model.push({
          n: model.length,
          dockerId,
          port: view?.hostPort ?? -1,
          tty: view?.tty ?? -1,
          values: false,
          token: false,
          alive: true,
          saves: 0,
        });
      } else if (r < 0.45) {
        if (!target.values) {
          await h.manager.setStartValues({
            hostPort: target.port,
            dpi: 96,
            userId: `u${target.n}`,
            clientAppAuthSecret: 'cs',
            containerARN: 'arn',
          });
          target.values = true;
        }
      } else if (r < 0.65) {
        if (!target.token) {
          await h.manager.setConfigToken({
            hostPort: target.port,
            userId: `u${target.n}`,
            configEncryptionToken: `t${target.n}`,
            clientAppAuthSecret: 'cs',
          });
          target.token = true;
        }
      } else if (r < 0.85) {
        h.docker.kill(target.dockerId);
        target.alive = false;
        target.saves = ready(target) ? 1 : 0;
      } else {
        crashes += 1;
        await crash(Math.floor(rand() * 3));
      }
      await settle();
    }
    // The seeds are chosen so that every run crashes and restarts the daemon at least once.
    expect(crashes).toBeGreaterThan(0);
    await h.manager.shutdown();
    for (const c of alive()) c.saves = ready(c) ? 1 : 0;
    await until(() => model.every((c) => c.saves === 0 || h.store.objects.has(key(c))));
    expect(h.store.puts).toBe(model.reduce((sum, c) => sum + c.saves, 0));
    for (const c of model) expect(h.store.objects.has(key(c))).toBe(c.saves === 1);
  });
});

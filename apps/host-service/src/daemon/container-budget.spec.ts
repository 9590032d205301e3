import { createHarness, spinReq, token, until, values } from '../../test/harness';
import type { Harness } from '../../test/harness';

/**
 * managerShutdownWorstCaseMs counts one settings retry, run alongside the containers' stop and
 * cleanup. These check the manager behaves so: were the retry awaited first, or every unsaved
 * container retried at shutdown, the containers' step budget would not cover it.
 */
describe("the container manager's shutdown, as its budget counts it", () => {
  let h: Harness;
  afterEach(() => h.close());

  it('waits for the settings retry in flight only, and stops the containers meanwhile', async () => {
    h = await createHarness();
    const backup = h.deps.configs.backup.bind(h.deps.configs);
    const unsaved = new Set<string>(); // config dirs of the containers whose save failed
    const retried: string[] = [];
    let failing = true;
    let release = (): void => undefined;
    h.restart({
      timeouts: { settingsRetryMs: 20 },
      configs: {
        restore: h.deps.configs.restore.bind(h.deps.configs),
        backup: async (req) => {
          if (!unsaved.has(req.dir) && !failing) return backup(req);
          if (failing) {
            unsaved.add(req.dir);
            throw new Error('S3 down');
          }
          retried.push(req.dir);
          await new Promise<void>((resolve) => (release = resolve));
          throw new Error('S3 still down');
        },
      },
    });
    await h.manager.start();
    const ready = async (): Promise<string> => {
      const id = await h.manager.spinUp(spinReq);
      const port = h.manager.byDockerId(id)?.hostPort ?? 0;
      await h.manager.setStartValues(values(port));
      await h.manager.setConfigToken(token(port));
      return id;
    };
    const [a, b, live] = [await ready(), await ready(), await ready()];
    h.docker.kill(a);
    h.docker.kill(b);
    await until(() => unsaved.size === 2);
    await until(
      () => h.memory.lines.filter((l) => String(l['msg']).includes('kept for a retry')).length === 2,
    );
    failing = false;
    await until(() => retried.length === 1); // the retry pass holds the first one

    let stopped = false;
    const shutdown = h.manager.shutdown().then(() => (stopped = true));
    await until(() => !h.docker.containers.has(live)); // not held up by the retry
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false); // the retry in flight is still awaited
    release();
    await shutdown;
    expect(retried).toHaveLength(1); // the other unsaved container waits for the next start
  });
});

import { createMemoryLogger } from '@fractal/logger/testing';
import { DrainState } from './drain-state';
import { ImdsDrainPoller, LIFECYCLE_STATE_PATH, SPOT_ACTION_PATH } from './imds-drain-poller';
import type { After } from './imds-drain-poller';

function setup(items: Record<string, string | null | Error>, after?: After) {
  const memory = createMemoryLogger();
  const drain = new DrainState(memory.logger);
  const poller = new ImdsDrainPoller({
    read: async (path) => {
      const item = items[path] ?? null;
      if (item instanceof Error) throw item;
      return item;
    },
    drain,
    logger: memory.logger,
    intervalMs: 10,
    after,
  });
  return { memory, drain, poller };
}

describe('ImdsDrainPoller', () => {
  it('does nothing while neither notice is there', async () => {
    const { drain, poller } = setup({ [LIFECYCLE_STATE_PATH]: 'InService' });
    await poller.pollOnce();
    expect(drain.draining).toBe(false);
  });

  it('drains on a spot interruption notice', async () => {
    const { drain, poller, memory } = setup({ [SPOT_ACTION_PATH]: '{"action":"terminate"}' });
    await poller.pollOnce();
    expect(drain.snapshot()).toMatchObject({ draining: true, by: 'imds' });
    expect(memory.lines).toEqual([
      expect.objectContaining({ level: 'warn', reason: expect.stringContaining('spot interruption') }),
    ]);
  });

  it('drains when the lifecycle state is Terminated', async () => {
    const { drain, poller } = setup({ [LIFECYCLE_STATE_PATH]: 'Terminated\n' });
    await poller.pollOnce();
    expect(drain.snapshot().reason).toBe('Auto Scaling lifecycle state is Terminated');
  });

  it('logs one line per IMDS outage and one when it answers again', async () => {
    const items: Record<string, string | null | Error> = { [SPOT_ACTION_PATH]: new Error('down') };
    const { poller, memory, drain } = setup(items);
    await poller.pollOnce();
    await poller.pollOnce();
    items[SPOT_ACTION_PATH] = null;
    await poller.pollOnce();
    expect(memory.lines.map((l) => l.msg)).toEqual([
      'reading drain notices from the instance metadata failed; retrying',
      'instance metadata answers again; drain notices are watched',
    ]);
    expect(drain.draining).toBe(false);
  });

  it('polls on its schedule until the host drains, then stops', async () => {
    // A hand-driven timer: `fire()` runs the scheduled poll, so nothing sleeps.
    const scheduled: number[] = [];
    let fire: () => void = () => undefined;
    const after: After = (ms, fn) => {
      scheduled.push(ms);
      fire = () => {
        fire = () => undefined;
        fn();
      };
      return () => undefined;
    };
    const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
    const items: Record<string, string | null | Error> = {};
    const { poller, drain } = setup(items, after);
    poller.start();
    fire();
    await flush();
    fire();
    await flush();
    expect(scheduled).toEqual([0, 10, 10]);
    items[SPOT_ACTION_PATH] = '{}';
    fire();
    await flush();
    expect(drain.draining).toBe(true);
    expect(scheduled).toEqual([0, 10, 10]);
    await poller.shutdown();
  });

  it('polls on a real timeout by default', async () => {
    const items: Record<string, string | null | Error> = { [SPOT_ACTION_PATH]: '{}' };
    const { poller, drain } = setup(items);
    poller.start();
    for (let i = 0; i < 100 && !drain.draining; i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(drain.draining).toBe(true);
    await poller.shutdown();
  });
});

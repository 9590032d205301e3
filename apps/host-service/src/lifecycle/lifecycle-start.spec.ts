import { SHUTDOWN_MARGIN_MS, shutdownDeadlineMs } from './budgets';
import { Lifecycle } from './lifecycle';
import type { DaemonStep } from './step';

const setup = () => {
  const lines: { level: string; msg?: string }[] = [];
  const log = (level: string) => (_obj: object, msg?: string) => void lines.push({ level, msg });
  const exits: number[] = [];
  const lifecycle = new Lifecycle({
    logger: { info: log('info'), warn: log('warn'), error: log('error'), fatal: log('fatal') },
    exit: (code) => void exits.push(code),
  });
  const order: string[] = [];
  const step = (name: string, extra: Partial<DaemonStep> = {}): DaemonStep => ({
    name,
    timeoutMs: 1000,
    start: () => void order.push(`start ${name}`),
    stop: () => void order.push(`stop ${name}`),
    ...extra,
  });
  return { lifecycle, lines, exits, order, step };
};

describe('Lifecycle.start', () => {
  it('starts the steps in order and stops them in reverse', async () => {
    const { lifecycle, order, step, exits } = setup();
    await lifecycle.start([step('lock'), step('dirs'), { name: 'check', timeoutMs: 0 }, step('server')]);
    await lifecycle.shutdown('SIGTERM', 0);
    expect(order).toEqual([
      'start lock',
      'start dirs',
      'start server',
      'stop server',
      'stop dirs',
      'stop lock',
    ]);
    expect(exits).toEqual([0]);
  });

  it('throws on a failed start; the fatal that follows undoes it and what started before, in reverse', async () => {
    const { lifecycle, order, step, exits } = setup();
    const failing = step('mount', {
      start: () => {
        order.push('start mount');
        throw new Error('mount failed');
      },
    });
    const never = step('server');
    await expect(lifecycle.start([step('lock'), failing, never])).rejects.toThrow('mount failed');
    await lifecycle.fatal(new Error('mount failed'), 'start-up');
    // The failing step's stop runs too: it was registered before its start, for a partial start.
    expect(order).toEqual(['start lock', 'start mount', 'stop mount', 'stop lock']);
    expect(exits).toEqual([1]);
  });

  it('abandons a stop that overruns its timeoutMs and goes on with the next', async () => {
    const { lifecycle, order, step, lines } = setup();
    const hangs = step('containers', { timeoutMs: 20, stop: () => new Promise<void>(() => undefined) });
    await lifecycle.start([step('dirs'), hangs, step('server')]);
    await lifecycle.shutdown('SIGTERM', 0);
    expect(order.slice(3)).toEqual(['stop server', 'stop dirs']);
    expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([
      'shutdown step "containers" failed or hung; skipped',
    ]);
  });

  it('starts nothing more once a shutdown began', async () => {
    const { lifecycle, order, step } = setup();
    let signal = (): void => undefined;
    const slow = step('docker', {
      start: () => new Promise<void>((resolve) => (signal = resolve)),
    });
    const starting = lifecycle.start([step('lock'), slow, step('server')]);
    const stopping = lifecycle.shutdown('SIGTERM', 0);
    signal();
    await Promise.all([starting, stopping]);
    expect(order).not.toContain('start server');
    expect(order).toContain('stop lock');
  });

  it('runs the undos a start registers, and refuses ones past the step budget', async () => {
    const { lifecycle, order } = setup();
    const undo = (name: string) => async () => void order.push(`undo ${name}`);
    const ops: DaemonStep = {
      name: 'ops',
      timeoutMs: 6,
      start: (defer) => {
        defer('listener', 5, undo('listener'));
        defer('poller', 5, undo('poller'));
      },
    };
    await expect(lifecycle.start([ops])).rejects.toThrow(
      'step "ops": undo "poller" takes its budget to 10 ms of 6 ms',
    );
    await lifecycle.fatal(new Error('over budget'), 'start-up');
    // Registered anyway, so what the start set up is still undone.
    expect(order).toEqual(['undo poller', 'undo listener']);
  });
});

describe('shutdownDeadlineMs', () => {
  it('is every step budget plus the margin', () => {
    expect(shutdownDeadlineMs([{ timeoutMs: 1_000 }, { timeoutMs: 0 }, { timeoutMs: 30_000 }])).toBe(
      31_000 + SHUTDOWN_MARGIN_MS,
    );
    expect(SHUTDOWN_MARGIN_MS).toBeGreaterThan(0);
  });
});

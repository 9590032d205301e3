import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Lifecycle } from './lifecycle';

const setup = (deadlineMs?: number) => {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const log = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  const exits: number[] = [];
  const captured: unknown[] = [];
  const lifecycle = new Lifecycle({
    logger: { info: log('info'), warn: log('warn'), error: log('error'), fatal: log('fatal') },
    captureError: (err) => void captured.push(err),
    exit: (code) => void exits.push(code),
    ...(deadlineMs === undefined ? {} : { deadlineMs }),
  });
  return { lifecycle, lines, exits, captured };
};

describe('Lifecycle', () => {
  it('runs undo steps in reverse order once, then exits 0', async () => {
    const { lifecycle, exits } = setup();
    const order: string[] = [];
    lifecycle.defer('dirs', 1000, () => void order.push('dirs'));
    lifecycle.defer('containers', 1000, async () => void order.push('containers'));
    lifecycle.defer('server', 1000, () => void order.push('server'));
    await Promise.all([lifecycle.shutdown('SIGTERM', 0), lifecycle.shutdown('SIGINT', 0)]);
    expect(order).toEqual(['server', 'containers', 'dirs']);
    expect(exits).toEqual([0]);
    expect(lifecycle.shuttingDown).toBe(true);
  });

  it('skips a hung or failing step and still runs the rest', async () => {
    const { lifecycle, exits, lines } = setup();
    const order: string[] = [];
    lifecycle.defer('last', 1000, () => void order.push('last'));
    lifecycle.defer('hangs', 20, () => new Promise<void>(() => undefined));
    lifecycle.defer('throws', 1000, () => {
      throw new Error('boom');
    });
    await lifecycle.shutdown('SIGTERM', 0);
    expect(order).toEqual(['last']);
    expect(exits).toEqual([0]);
    expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([
      'shutdown step "throws" failed or hung; skipped',
      'shutdown step "hangs" failed or hung; skipped',
    ]);
  });

  it('logs and reports a fatal error and exits 1', async () => {
    const { lifecycle, exits, captured, lines } = setup();
    const err = new Error('docker gone');
    await lifecycle.fatal(err, 'uncaughtException');
    expect(captured).toEqual([err]);
    expect(lines.find((l) => l.level === 'fatal')?.msg).toBe('fatal: docker gone');
    expect(exits).toEqual([1]);
  });

  it('exits 1 when a fatal error arrives during an orderly shutdown', async () => {
    const { lifecycle, exits } = setup();
    let release = (): void => undefined;
    lifecycle.defer('slow', 1000, () => new Promise<void>((r) => (release = r)));
    const first = lifecycle.shutdown('SIGTERM', 0);
    const second = lifecycle.fatal(new Error('late'), 'unhandledRejection');
    release();
    await Promise.all([first, second]);
    expect(exits).toEqual([1]);
  });

  it('exits anyway when the whole shutdown overruns its deadline', async () => {
    const { lifecycle, exits } = setup(30);
    lifecycle.defer('slow', 10_000, () => new Promise<void>((r) => setTimeout(r, 100)));
    await lifecycle.shutdown('SIGTERM', 0);
    expect(exits).toEqual([1]);
  });

  it('keeps a real process alive through a step that hangs on nothing, then runs the rest', () => {
    // Jest's own handles hide this; only a bare process shows whether the timers hold it.
    const script = `
      const { Lifecycle } = require('./lifecycle.ts');
      const order = [];
      const noop = () => undefined;
      const l = new Lifecycle({
        logger: { info: noop, warn: noop, error: noop, fatal: noop },
        exit: (code) => { process.stdout.write('exit ' + code + ' ' + order.join(',')); process.exit(code); },
        deadlineMs: 10000,
      });
      l.defer('last', 1000, () => { order.push('last'); });
      l.defer('hangs', 50, () => new Promise(() => undefined));
      void l.fatal(new Error('boom'), 'test');
    `;
    const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: __dirname,
      env: { ...process.env, TS_NODE_PROJECT: join(__dirname, '..', '..', 'tsconfig.spec.json') },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect([run.status, run.stdout]).toEqual([1, 'exit 1 last']);
  });
});

describe('Lifecycle.detach', () => {
  it("runs each step's detach variant (or skips it), then exits 0", async () => {
    const { lifecycle, exits } = setup();
    const order: string[] = [];
    lifecycle.defer('dirs', 1000, () => void order.push('remove dirs'), null);
    lifecycle.defer(
      'containers',
      1000,
      () => void order.push('stop containers'),
      () => void order.push('detach containers'),
    );
    lifecycle.defer('server', 1000, () => void order.push('close server'));
    await lifecycle.detach('SIGUSR2');
    expect(order).toEqual(['close server', 'detach containers']);
    expect(exits).toEqual([0]);
    expect(lifecycle.detached).toBe(true);
  });

  it('does not turn a shutdown already under way into a detach', async () => {
    const { lifecycle } = setup();
    const order: string[] = [];
    lifecycle.defer('dirs', 1000, () => void order.push('remove dirs'), null);
    await Promise.all([lifecycle.shutdown('SIGTERM', 0), lifecycle.detach('SIGUSR2')]);
    expect(order).toEqual(['remove dirs']);
    expect(lifecycle.detached).toBe(false);
  });
});

describe('Lifecycle.fatal', () => {
  it('detaches (sessions survive a daemon failure) and exits 1', async () => {
    const { lifecycle, exits } = setup();
    const order: string[] = [];
    lifecycle.defer(
      'containers',
      1000,
      () => void order.push('stop containers'),
      () => void order.push('detach containers'),
    );
    await lifecycle.fatal(new Error('boom'), 'uncaughtException');
    expect(order).toEqual(['detach containers']);
    expect(exits).toEqual([1]);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryLogger } from '@fractal/logger/testing';
import { parseConfig } from '../config/parse-config';
import { DEFAULT_TIMEOUTS } from '../containers/manager-types';
import { SHUTDOWN_MARGIN_MS } from '../lifecycle/budgets';
import { buildDaemon } from './build-daemon';
import { CONTAINERS_STOP_MS, managerShutdownWorstCaseMs } from './container-budget';

const UNIT_FILE = join(__dirname, '../../../../tools/release/files/fractal-host-service.service');

const build = (env: Record<string, string>) => {
  const config = parseConfig(env);
  const { logger } = createMemoryLogger();
  const deps = {
    build: { version: '0.0.0', commit: 'test' },
    logger,
    env,
    uid: 0,
    shuttingDown: () => false,
  };
  return buildDaemon(config, deps);
};
const budgetSum = (steps: readonly { timeoutMs: number }[]): number =>
  steps.reduce((sum, s) => sum + s.timeoutMs, 0);

// Nothing here exists; building must not find that out.
const nowhere = join(tmpdir(), `build-daemon-${process.pid}-nowhere`);
const localdev = {
  APP_ENV: 'localdev',
  FRACTAL_DIR: join(nowhere, 'fractal'),
  FRACTAL_PRIVATE_DIR: join(nowhere, 'private'),
  DOCKER_HOST: `unix://${join(nowhere, 'docker.sock')}`,
};
// Every step there is: heartbeats (not localdev) and the ECS bridge (on by default there).
const production = { ...localdev, APP_ENV: 'production', WEBSERVER_AUTH_SECRET: 's3cret' };

describe('buildDaemon', () => {
  it('does no I/O: no file, socket, timer or Docker connection', () => {
    const before = process.getActiveResourcesInfo().sort();
    const daemon = build(production);
    expect(process.getActiveResourcesInfo().sort()).toEqual(before);
    expect(existsSync(nowhere)).toBe(false);
    expect(daemon.state.docker).toBeUndefined();
    expect(daemon.state.lock).toBeUndefined();
  });

  it('lists the steps in start order, for the config alone', () => {
    const names = (env: Record<string, string>) => build(env).steps.map((s) => s.name);
    const full = names(production);
    expect(full).toEqual([
      'flush logs and Sentry',
      'check that we run as root',
      'release the daemon lock',
      'check FRACTAL_DIR and the settings read at start',
      'remove our dirs',
      'undo the shared mount',
      'TLS material',
      'connect to Docker',
      'read the instance facts',
      'send the dying heartbeat',
      'build the container manager',
      'ops listener',
      'stop and clean up our containers',
      'stop retrying pending config uploads',
      'ECS bridge',
      'stop the HTTPS server',
      'start heartbeats',
    ]);
    expect(names(localdev)).toEqual(
      full.filter((n) => n !== 'send the dying heartbeat' && n !== 'ECS bridge'),
    );
  });
});

describe('shutdown budgets', () => {
  it.each([
    ['localdev', localdev],
    ['production', production],
  ])('%s: the deadline covers every step budget, with a margin', (_name, env) => {
    const { steps, shutdownDeadlineMs } = build(env);
    expect(shutdownDeadlineMs).toBeGreaterThanOrEqual(budgetSum(steps) + SHUTDOWN_MARGIN_MS);
  });

  it('comes to the figures ARCHITECTURE.md and the READMEs quote', () => {
    expect(build(localdev).shutdownDeadlineMs).toBe(249_000);
    expect(build(production).shutdownDeadlineMs).toBe(304_000);
  });

  it("gives the containers' step at least the manager's own worst case", () => {
    const step = build(production).steps.find((s) => s.name === 'stop and clean up our containers');
    expect(step?.timeoutMs).toBe(CONTAINERS_STOP_MS);
    expect(managerShutdownWorstCaseMs(DEFAULT_TIMEOUTS)).toBeLessThanOrEqual(CONTAINERS_STOP_MS);
    // stop (15 s) + rm (30 s) + backup (120 s); the retry in flight (120 s) runs alongside.
    expect(managerShutdownWorstCaseMs(DEFAULT_TIMEOUTS)).toBe(165_000);
  });

  it("keeps systemd's TimeoutStopSec above the longest deadline, so it never SIGKILLs a shutdown", () => {
    const unit = readFileSync(UNIT_FILE, 'utf8');
    const stopSec = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]);
    const longest = build(production).shutdownDeadlineMs;
    // Time for the process to exit after the hard stop fires.
    expect(stopSec * 1000).toBeGreaterThanOrEqual(longest + 15_000);
    expect(unit).toContain(`own ${longest / 1000} s shutdown deadline`);
  });
});

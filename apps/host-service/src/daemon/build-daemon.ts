import type { HostServiceConfig } from '../config/host-service-config';
import { shutdownDeadlineMs } from '../lifecycle/budgets';
import type { DaemonStep } from '../lifecycle/step';
import { OpsSurface } from '../ops/ops-surface';
import type { DaemonDeps, DaemonState } from './daemon-state';
import { frontSteps } from './front-steps';
import { hostSteps } from './host-steps';
import { remoteSteps } from './remote-steps';
import { servingSteps } from './serving-steps';

export type { DaemonDeps, DaemonState } from './daemon-state';

export interface Daemon {
  /** In start order; `Lifecycle.start` runs them and the shutdown undoes them in reverse. */
  readonly steps: readonly DaemonStep[];
  /** The parts, filled in as their steps start. */
  readonly state: DaemonState;
  /** The shutdown's hard deadline: the steps' budgets and a margin (lifecycle/budgets.ts). */
  readonly shutdownDeadlineMs: number;
}

/**
 * The composition root: wires the daemon's parts into an ordered step list and does no I/O (no
 * files, sockets, Docker, timers; nothing throws on a bad setting either, the steps check those),
 * so a test can build any config. Which steps there are depends on the config alone: heartbeats
 * outside localdev, the ECS bridge when on.
 */
export function buildDaemon(config: HostServiceConfig, deps: DaemonDeps): Daemon {
  const { logger } = deps;
  // Built first: the rest of start-up reports into its metrics; it listens in its own step.
  const state: DaemonState = { ops: new OpsSurface(logger), recovering: false, hasNvidiaRuntime: false };
  const ctx = { ...deps, config, state };
  const steps: DaemonStep[] = [
    {
      // First registered, so run last: whatever the other steps logged goes out.
      name: 'flush logs and Sentry',
      timeoutMs: 6_000,
      stop: () => {
        logger.info({}, 'host service stopped');
        return logger.shutdown(5_000);
      },
    },
    ...hostSteps(ctx),
    ...remoteSteps(ctx),
    ...servingSteps(ctx),
    ...frontSteps(ctx),
  ];
  return { steps, state, shutdownDeadlineMs: shutdownDeadlineMs(steps) };
}

import type { Logger } from '@fractal/logger';
import type { Checkpoint } from './container-record';
import type { CaptureError, ContainerManagerDeps, CrashPoint, ManagerTimeouts } from './manager-types';
import { DEFAULT_SPIN_UP_SLOTS } from './manager-types';
import { FifoLimiter } from './fifo-limiter';
import type { Entry } from './registry';
import { ContainerRegistry } from './registry';
import type { ContainerResource } from './resources';
import { ContainerStateStore } from './state-store';

/** What the manager's parts (spin-up, readiness, cleanup, reconcile) share. */
export class ManagerCore {
  readonly registry = new ContainerRegistry();
  readonly store: ContainerStateStore;
  readonly log: Logger;
  readonly captureError: CaptureError;
  readonly now: () => number;
  /** Shutdown or detach began: nothing new is taken on. */
  closing = false;
  /** In-flight cleanups, which shutdown waits for. */
  readonly cleanups = new Set<Promise<void>>();
  /** Cleaned containers whose settings could not be saved yet (dir and checkpoint kept). */
  readonly unsaved = new Set<Entry>();
  /** FractalIDs whose cleanup is in flight (no longer in the registry, not yet gone). */
  readonly cleaningIds = new Set<string>();
  /** Spin-ups' create+start, a few at a time, first come first served (see spin-up.ts). */
  readonly dockerSlots: FifoLimiter;
  /** Set by the cleanup part; the others call it. */
  cleanup: (entry: Entry, reason: string) => Promise<void> = () => Promise.resolve();

  constructor(
    readonly deps: ContainerManagerDeps,
    readonly timeouts: ManagerTimeouts,
    readonly resources: readonly ContainerResource[],
  ) {
    this.store = new ContainerStateStore(deps.stateDir);
    this.dockerSlots = new FifoLimiter(deps.spinUpSlots ?? DEFAULT_SPIN_UP_SLOTS);
    this.log = deps.logger;
    this.captureError = (err, context) => deps.logger.captureError(err, context);
    this.now = deps.now ?? Date.now;
  }

  /** Writes the record's checkpoints; a failed write is reported, it does not stop the container. */
  checkpointFor(fractalId: string): Checkpoint {
    return async (state) => {
      try {
        if (state === null) await this.store.remove(fractalId);
        else await this.store.save(state);
      } catch (err) {
        this.log.error(
          { err, fractalId },
          'writing the container checkpoint failed; a restart may not recover it',
        );
        this.captureError(err, { fractalId });
        throw err;
      }
    };
  }

  crash(point: CrashPoint): void {
    this.deps.crashPoint?.(point);
  }
}

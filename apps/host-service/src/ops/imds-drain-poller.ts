import type { DrainState } from './drain-state';
import { errorMessage } from '../util/error-message';

export interface DrainPollerLogger {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
}

export interface ImdsDrainPollerDeps {
  /** One metadata item, or null when there is none (IMDS answers 404). */
  readonly read: (path: string) => Promise<string | null>;
  readonly drain: DrainState;
  readonly logger: DrainPollerLogger;
  readonly intervalMs: number;
  /** The timer between polls; unit tests fire it by hand. Default: `unrefTimeout`. */
  readonly after?: After;
}

/** Runs `fn` once after `ms`; returns what cancels it. */
export type After = (ms: number, fn: () => void) => () => void;

/** The real `After`: a timeout that never keeps the process alive. */
export const unrefTimeout: After = (ms, fn) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

export const SPOT_ACTION_PATH = 'spot/instance-action';
export const LIFECYCLE_STATE_PATH = 'autoscaling/target-lifecycle-state';

/**
 * Reads the instance metadata every `intervalMs` for the two notices that a host is going away:
 * a spot interruption (`spot/instance-action` exists) and an Auto Scaling lifecycle state of
 * `Terminated`. Either starts the drain. Stops polling once the host drains, whoever started it.
 */
export class ImdsDrainPoller {
  /** Cancels the scheduled poll; undefined while none is scheduled. */
  private cancelTimer: (() => void) | undefined;
  private stopped = false;
  private failing = false;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly deps: ImdsDrainPollerDeps) {}

  start(): void {
    if (this.stopped || this.cancelTimer !== undefined) return;
    this.schedule(0);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    await this.inFlight;
  }

  /** One look at both notices; exported for tests through `start`'s schedule. */
  async pollOnce(): Promise<void> {
    try {
      const [spot, lifecycle] = await Promise.all([
        this.deps.read(SPOT_ACTION_PATH),
        this.deps.read(LIFECYCLE_STATE_PATH),
      ]);
      if (this.failing)
        this.deps.logger.info({}, 'instance metadata answers again; drain notices are watched');
      this.failing = false;
      if (spot !== null) {
        this.deps.drain.start(`spot interruption notice: ${spot.slice(0, 200)}`, 'imds');
      } else if (lifecycle?.trim() === 'Terminated') {
        this.deps.drain.start('Auto Scaling lifecycle state is Terminated', 'imds');
      }
    } catch (err) {
      // One line per outage, not one every few seconds.
      if (!this.failing)
        this.deps.logger.warn(
          { err: errorMessage(err) },
          'reading drain notices from the instance metadata failed; retrying',
        );
      this.failing = true;
    }
  }

  private schedule(ms: number): void {
    const after = this.deps.after ?? unrefTimeout;
    this.cancelTimer = after(ms, () => {
      this.cancelTimer = undefined;
      this.inFlight = this.pollOnce().then(() => {
        if (!this.stopped && !this.deps.drain.draining) this.schedule(this.deps.intervalMs);
      });
    });
  }
}

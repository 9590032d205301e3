import type { MemInfo } from '../metadata/meminfo';
import type { HeartbeatRequest } from './payloads';
import { heartbeatRequest } from './payloads';
import { errorMessage } from '../util/error-message';

export interface TimerHandle {
  unref?(): unknown;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export interface HeartbeatServiceDeps {
  readonly send: (body: HeartbeatRequest) => Promise<void>;
  readonly authToken: string;
  readonly instanceId: string;
  readonly readMeminfo: () => Promise<MemInfo>;
  /** null: a fresh random 55–65 s before each beat, so hosts started together drift apart. */
  readonly intervalMs: number | null;
  readonly logger: { warn(obj: object, msg?: string): void; debug(obj: object, msg?: string): void };
  readonly random?: () => number;
  readonly now?: () => Date;
  readonly timers?: Timers;
  /** Whether the host drains: each beat then carries `IsDraining: true`. */
  readonly isDraining?: () => boolean;
  /** Told how each beat went (the metrics). */
  readonly onResult?: (result: 'ok' | 'failed') => void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export function jitteredIntervalMs(random: () => number): number {
  return 55_000 + Math.floor(random() * 10_001);
}

/**
 * Sends a heartbeat at once, then one per interval (the next is scheduled when the previous
 * finished, so a slow webserver never stacks them up), and a dying one at shutdown.
 */
export class HeartbeatService {
  private readonly deps: HeartbeatServiceDeps;
  private readonly timers: Timers;
  private number = 0;
  private timer: TimerHandle | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private state: 'idle' | 'running' | 'stopped' = 'idle';
  private shutdownPromise: Promise<void> | undefined;

  constructor(deps: HeartbeatServiceDeps) {
    this.deps = deps;
    this.timers = deps.timers ?? realTimers;
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    this.beat();
  }

  /** Run-once: stops the schedule, waits for a beat in flight, sends the dying heartbeat. */
  shutdown(): Promise<void> {
    return this.halt(true);
  }

  /** Run-once, like shutdown but without the dying heartbeat: the host stays (a daemon upgrade). */
  stop(): Promise<void> {
    return this.halt(false);
  }

  private halt(dying: boolean): Promise<void> {
    this.shutdownPromise ??= (async () => {
      this.state = 'stopped';
      if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
      await this.inFlight;
      if (dying) await this.sendOne(true);
    })();
    return this.shutdownPromise;
  }

  private beat(): void {
    this.inFlight = this.sendOne(false).then(() => {
      if (this.state !== 'running') return;
      const ms = this.deps.intervalMs ?? jitteredIntervalMs(this.deps.random ?? Math.random);
      this.timer = this.timers.setTimeout(() => this.beat(), ms);
      this.timer.unref?.();
    });
  }

  /** Never rejects: a missed heartbeat is logged, the next one tries again. */
  private async sendOne(dying: boolean): Promise<void> {
    this.number += 1;
    const number = this.number;
    try {
      const body = heartbeatRequest({
        authToken: this.deps.authToken,
        now: (this.deps.now ?? (() => new Date()))(),
        number,
        instanceId: this.deps.instanceId,
        mem: await this.deps.readMeminfo(),
        dying,
        draining: this.deps.isDraining?.() ?? false,
      });
      await this.deps.send(body);
      this.deps.onResult?.('ok');
      this.deps.logger.debug({ heartbeat: number, dying }, 'heartbeat sent');
    } catch (err) {
      this.deps.onResult?.('failed');
      this.deps.logger.warn(
        { heartbeat: number, dying, err: errorMessage(err) },
        'heartbeat to the webserver failed',
      );
    }
  }
}

import { cancellable } from '../util/cancellable';
import { errorMessage } from '../util/error-message';
import type { DaemonStep, DeferUndo } from './step';

export interface LifecycleLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  fatal(obj: object, msg?: string): void;
}

export interface LifecycleDeps {
  readonly logger: LifecycleLogger;
  /** Reports a fatal error (Sentry); must not throw. */
  readonly captureError?: (err: unknown) => void;
  /** Called once every step has run or timed out. */
  readonly exit: (code: number) => void;
  /** Hard limit on the whole shutdown; past it, exit anyway. */
  readonly deadlineMs?: number;
}

interface Step {
  readonly name: string;
  readonly timeoutMs: number;
  readonly run: () => Promise<void> | void;
  /** What the step does when the daemon detaches: the same (undefined), nothing (null), or this. */
  readonly onDetach?: (() => Promise<void> | void) | null;
}

/**
 * Start-up registers an undo step for each thing it set up; shutdown runs them in reverse order,
 * each bounded by its own timeout, so a failed start-up and an orderly stop clean up the same way.
 */
export class Lifecycle {
  private readonly deps: LifecycleDeps;
  private readonly steps: Step[] = [];
  private exitCode = 0;
  private exited = false;
  private shutdownPromise: Promise<void> | undefined;
  private detaching = false;

  constructor(deps: LifecycleDeps) {
    this.deps = deps;
  }

  get shuttingDown(): boolean {
    return this.shutdownPromise !== undefined;
  }

  /** True once `detach` began: containers and host-wide state must outlive this process. */
  get detached(): boolean {
    return this.detaching;
  }

  /**
   * Registers the undo step of something just started. `onDetach` is what it does instead when
   * the daemon detaches for an upgrade: null skips it (keep the containers' dirs and mounts).
   */
  defer(
    name: string,
    timeoutMs: number,
    run: () => Promise<void> | void,
    onDetach?: (() => Promise<void> | void) | null,
  ): void {
    this.steps.push({ name, timeoutMs, run, onDetach });
  }

  /**
   * Starts the daemon's steps in order (build-daemon.ts). A step's undo is registered before its
   * start runs; a failing start throws, and the caller's `fatal` undoes what started, in reverse.
   * A signal during start-up has already begun the shutdown: starting more would outlive it.
   */
  async start(steps: readonly DaemonStep[]): Promise<void> {
    for (const step of steps) {
      if (this.shuttingDown) return;
      if (step.stop) this.defer(step.name, step.timeoutMs, step.stop, step.onDetach);
      await step.start?.(this.budgeted(step));
    }
  }

  /** The undos a step's start registers share its budget: more would overrun the derived deadline. */
  private budgeted(step: DaemonStep): DeferUndo {
    let used = 0;
    return (name, timeoutMs, run) => {
      used += timeoutMs;
      this.defer(name, timeoutMs, run); // first, so the part that overran is still undone
      if (step.stop || used > step.timeoutMs) {
        throw new Error(
          `step "${step.name}": undo "${name}" takes its budget to ${used} ms of ${step.timeoutMs} ms` +
            (step.stop ? ' (a step with its own stop has no budget left)' : ''),
        );
      }
    };
  }

  /**
   * SIGUSR2: stop serving and exit 0, leaving the containers running for the next daemon, which
   * adopts them. A shutdown already under way keeps its meaning.
   */
  detach(reason: string): Promise<void> {
    if (this.shutdownPromise === undefined) this.detaching = true;
    return this.shutdown(reason, 0);
  }

  /** Run-once: later calls (a second signal, a fatal error during shutdown) get the same promise. */
  shutdown(reason: string, exitCode: 0 | 1): Promise<void> {
    if (exitCode > this.exitCode) this.exitCode = exitCode;
    if (this.shutdownPromise !== undefined) {
      this.deps.logger.warn({ reason }, 'already shutting down');
      return this.shutdownPromise;
    }
    this.deps.logger.info({ reason }, 'shutting down');
    this.shutdownPromise = this.runSteps().then(() => this.exitOnce(this.exitCode));
    return this.shutdownPromise;
  }

  /**
   * Logs and reports the error, then detaches with exit code 1: the daemon failed, not the host,
   * so the sessions keep running and the next start (systemd restarts us) adopts them.
   */
  fatal(err: unknown, context: string): Promise<void> {
    if (this.shutdownPromise === undefined) this.detaching = true;
    this.deps.logger.fatal({ err, context }, `fatal: ${errorMessage(err)}`);
    try {
      this.deps.captureError?.(err);
    } catch {
      // reporting must never stop the shutdown
    }
    return this.shutdown(context, 1);
  }

  private exitOnce(code: number): void {
    if (this.exited) return;
    this.exited = true;
    this.deps.exit(code);
  }

  private async runSteps(): Promise<void> {
    const deadline = this.deps.deadlineMs;
    let hardStop: NodeJS.Timeout | undefined;
    if (deadline !== undefined) {
      hardStop = setTimeout(() => {
        this.deps.logger.error({ deadlineMs: deadline }, 'shutdown overran its deadline; exiting now');
        this.exitOnce(this.exitCode === 0 ? 1 : this.exitCode);
      }, deadline);
      hardStop.unref();
    }
    // Ref'd on purpose (the step timers are not): a step waiting on nothing that holds the event
    // loop must not let the process drain out with code 0, skipping the remaining steps.
    const keepAlive = setInterval(() => undefined, 60_000);
    while (this.steps.length > 0) {
      const step = this.steps.pop() as Step;
      const run = this.detaching && step.onDetach !== undefined ? step.onDetach : step.run;
      if (run === null) continue;
      try {
        await cancellable(step.timeoutMs, `shutdown step "${step.name}"`, async () => run());
      } catch (err) {
        this.deps.logger.error(
          { step: step.name, err },
          `shutdown step "${step.name}" failed or hung; skipped`,
        );
      }
    }
    clearTimeout(hardStop);
    clearInterval(keepAlive);
  }
}

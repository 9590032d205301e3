import { withTimeout } from './with-timeout';

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

  constructor(deps: LifecycleDeps) {
    this.deps = deps;
  }

  get shuttingDown(): boolean {
    return this.shutdownPromise !== undefined;
  }

  /** Registers the undo step of something just started. */
  defer(name: string, timeoutMs: number, run: () => Promise<void> | void): void {
    this.steps.push({ name, timeoutMs, run });
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

  /** Logs and reports the error, then shuts down with exit code 1. */
  fatal(err: unknown, context: string): Promise<void> {
    this.deps.logger.fatal({ err, context }, `fatal: ${err instanceof Error ? err.message : String(err)}`);
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
      try {
        await withTimeout(Promise.resolve().then(step.run), step.timeoutMs, `shutdown step "${step.name}"`);
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

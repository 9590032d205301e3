export interface DrainLogger {
  warn(obj: object, msg?: string): void;
}

export interface DrainStatus {
  readonly draining: boolean;
  readonly reason: string | null;
  readonly by: string | null;
  /** ISO 8601, when the drain began. */
  readonly since: string | null;
}

/**
 * Whether this host takes new sessions. A drain only ever starts (the host is on its way out);
 * it ends with the process. Existing sessions are never touched by it.
 */
export class DrainState {
  private status: DrainStatus = { draining: false, reason: null, by: null, since: null };

  constructor(
    private readonly logger: DrainLogger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get draining(): boolean {
    return this.status.draining;
  }

  snapshot(): DrainStatus {
    return this.status;
  }

  /** Starts draining; true the first time, false when the host was draining already. */
  start(reason: string, by: string): boolean {
    if (this.status.draining) return false;
    this.status = { draining: true, reason, by, since: this.now().toISOString() };
    this.logger.warn({ reason, by }, 'host draining: new sessions are refused, running ones are left alone');
    return true;
  }
}

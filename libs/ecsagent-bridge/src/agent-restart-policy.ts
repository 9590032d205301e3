import { EcsBridgeError } from './errors';

export interface AgentRestartOptions {
  /** First delay before a restart. Default 1000 ms; doubles on each exit in a row. */
  initialDelayMs?: number;
  /** Default 60000 ms. */
  maxDelayMs?: number;
  /** Give up after this many exits within `windowMs`. Default 5. */
  maxExits?: number;
  /** Default 600000 ms (10 minutes). An agent that ran this long resets the delay too. */
  windowMs?: number;
  now?: () => number;
}

export type RestartDecision = { giveUp: false; delayMs: number } | { giveUp: true; exits: number };

/**
 * When to restart an agent that exited: 1 s doubling to 60 s, and never again after
 * `maxExits` exits within `windowMs` (a crash loop is logged and reported, not hammered).
 */
export class AgentRestartPolicy {
  private readonly initial: number;
  private readonly max: number;
  private readonly maxExits: number;
  private readonly window: number;
  private readonly now: () => number;
  private exits: number[] = [];
  private inARow = 0;
  private startedAt: number;

  constructor(options: AgentRestartOptions = {}) {
    this.initial = options.initialDelayMs ?? 1000;
    this.max = options.maxDelayMs ?? 60_000;
    this.maxExits = options.maxExits ?? 5;
    this.window = options.windowMs ?? 600_000;
    for (const [name, v] of Object.entries({
      initialDelayMs: this.initial,
      maxDelayMs: this.max,
      maxExits: this.maxExits,
      windowMs: this.window,
    })) {
      if (!Number.isFinite(v) || v <= 0)
        throw new EcsBridgeError('INVALID_OPTIONS', `restart.${name} must be a positive number, got ${v}`);
    }
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** The agent (re)started now. */
  started(): void {
    this.startedAt = this.now();
  }

  /** The agent exited now: how long to wait before the next start, or give up. */
  exited(): RestartDecision {
    const t = this.now();
    if (t - this.startedAt >= this.window) this.inARow = 0;
    this.exits = this.exits.filter((e) => t - e < this.window);
    this.exits.push(t);
    if (this.exits.length >= this.maxExits) return { giveUp: true, exits: this.exits.length };
    this.inARow += 1;
    return { giveUp: false, delayMs: Math.min(this.initial * 2 ** (this.inARow - 1), this.max) };
  }
}

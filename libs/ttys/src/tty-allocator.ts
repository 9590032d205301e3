import { TtyError } from './tty-error';
import { TtyQueue } from './tty-queue';

export interface TtyAllocatorOptions {
  /** Lowest TTY handed out. Default 10: the first ten belong to the system. */
  min?: number;
  /** Highest TTY handed out. Default 63, the kernel's last virtual console. */
  max?: number;
}

export const DEFAULT_MIN_TTY = 10;
export const DEFAULT_MAX_TTY = 63;
const LAST_CONSOLE = 63;

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function isTtyNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= LAST_CONSOLE;
}

/**
 * Hands out virtual-terminal numbers to owners (container FractalIDs). Free numbers form a
 * FIFO, so a freed TTY is reused only after every other free one.
 */
export class TtyAllocator {
  readonly min: number;
  readonly max: number;
  private readonly queue: TtyQueue;
  private readonly holders = new Map<number, string>();
  private readonly owners = new Map<string, number[]>();

  constructor(options: TtyAllocatorOptions = {}) {
    const invalid = (message: string): TtyError =>
      new TtyError('INVALID_OPTIONS', `invalid TtyAllocator options: ${message}`);
    if (typeof options !== 'object' || options === null)
      throw invalid(`expected an object, got ${show(options)}`);
    const min = options.min ?? DEFAULT_MIN_TTY;
    const max = options.max ?? DEFAULT_MAX_TTY;
    if (!isTtyNumber(min)) throw invalid(`min must be an integer in 1..${LAST_CONSOLE}, got ${show(min)}`);
    if (!isTtyNumber(max)) throw invalid(`max must be an integer in 1..${LAST_CONSOLE}, got ${show(max)}`);
    if (min > max) throw invalid(`min (${min}) must not be greater than max (${max})`);
    this.min = min;
    this.max = max;
    this.queue = new TtyQueue(max - min + 1);
    for (let tty = min; tty <= max; tty += 1) this.queue.push(tty);
  }

  allocate(owner: string): number {
    checkOwner(owner);
    const tty = this.queue.shift();
    if (tty === undefined) {
      throw new TtyError(
        'TTYS_EXHAUSTED',
        `no free TTY in ${this.min}..${this.max} (${this.holders.size} in use)`,
        { owner },
      );
    }
    this.holders.set(tty, owner);
    const held = this.owners.get(owner);
    if (held === undefined) this.owners.set(owner, [tty]);
    else held.push(tty);
    return tty;
  }

  /** Takes this particular free TTY for `owner` (a container adopted after a restart keeps its TTY). */
  claim(owner: string, tty: number): void {
    checkOwner(owner);
    const holder = this.holders.get(tty);
    if (
      !isTtyNumber(tty) ||
      tty < this.min ||
      tty > this.max ||
      holder !== undefined ||
      !this.queue.remove(tty)
    ) {
      const why =
        holder === undefined
          ? `it is not a free TTY in ${this.min}..${this.max}`
          : `it is held by owner ${holder}`;
      throw new TtyError('NOT_HELD', `owner ${owner} cannot claim TTY ${show(tty)}: ${why}`, { tty, owner });
    }
    this.holders.set(tty, owner);
    const held = this.owners.get(owner);
    if (held === undefined) this.owners.set(owner, [tty]);
    else held.push(tty);
  }

  /** Frees every TTY the owner holds and returns them; [] when it holds none. */
  free(owner: string): number[] {
    checkOwner(owner);
    const held = this.owners.get(owner);
    if (held === undefined) return [];
    this.owners.delete(owner);
    for (const tty of held) this.giveBack(tty);
    return held;
  }

  /** Frees one TTY; one the owner does not hold is reported and nothing changes. */
  release(owner: string, tty: number): void {
    checkOwner(owner);
    const holder = this.holders.get(tty);
    if (holder !== owner) {
      const state = holder === undefined ? 'it is not allocated' : `it is held by owner ${holder}`;
      throw new TtyError(
        'NOT_HELD',
        `TTY ${show(tty)} is not held by owner ${owner} (${state}); nothing was released`,
        { tty, owner },
      );
    }
    const rest = (this.owners.get(owner) ?? []).filter((t) => t !== tty);
    if (rest.length === 0) this.owners.delete(owner);
    else this.owners.set(owner, rest);
    this.giveBack(tty);
  }

  heldBy(owner: string): number[] {
    return [...(this.owners.get(owner) ?? [])];
  }

  inUse(): number {
    return this.holders.size;
  }

  /** The owner holding the TTY, if any. */
  holderOf(tty: number): string | undefined {
    return this.holders.get(tty);
  }

  private giveBack(tty: number): void {
    this.holders.delete(tty);
    this.queue.push(tty);
  }
}

function checkOwner(owner: unknown): asserts owner is string {
  if (typeof owner !== 'string' || owner.length === 0) {
    throw new TtyError(
      'INVALID_OWNER',
      `owner must be a non-empty string (the container's FractalID), got ${JSON.stringify(owner)}`,
    );
  }
}

import type { Protocol } from './protocol';
import { PortQueue } from './port-queue';

/**
 * The state of one protocol's ports. A port in min..max is in exactly one place: the free
 * queue, `held` (committed to an owner), `pending` (claimed by an allocation still probing),
 * `aside` (found busy on the host during a probe, returned when that allocation ends), or
 * nowhere because it is reserved.
 */
export class PortPool {
  private readonly queue: PortQueue;
  private readonly reserved = new Set<number>();
  private readonly held = new Map<number, string>();
  private readonly pending = new Set<number>();
  private readonly aside = new Set<number>();

  constructor(
    readonly protocol: Protocol,
    readonly min: number,
    readonly max: number,
    reserved: Iterable<number>,
  ) {
    this.queue = new PortQueue(min, max);
    for (const port of reserved) this.reserved.add(port);
    for (let port = min; port <= max; port += 1) {
      if (!this.reserved.has(port)) this.queue.push(port);
    }
  }

  get range(): string {
    return `${this.min}..${this.max}`;
  }

  inRange(port: number): boolean {
    return port >= this.min && port <= this.max;
  }

  isReserved(port: number): boolean {
    return this.reserved.has(port);
  }

  holderOf(port: number): string | undefined {
    return this.held.get(port);
  }

  isPending(port: number): boolean {
    return this.pending.has(port) || this.aside.has(port);
  }

  /** Ports taken from the pool by allocations, committed or still probing. */
  inUse(): number {
    return this.held.size + this.pending.size;
  }

  /** Ports an in-flight allocation found held by another process on the host. */
  busyOnHost(): number {
    return this.aside.size;
  }

  reserve(port: number): void {
    this.reserved.add(port);
    this.queue.remove(port);
  }

  /** Claims the port that has been free longest. */
  claimNext(): number | undefined {
    const port = this.queue.shift();
    if (port !== undefined) this.pending.add(port);
    return port;
  }

  /** Claims one specific port; false when it is not in the free queue. */
  claim(port: number): boolean {
    if (!this.queue.remove(port)) return false;
    this.pending.add(port);
    return true;
  }

  /** A claimed port turned out busy on the host: keep it out of the queue until `giveBack`. */
  setAside(port: number): void {
    this.pending.delete(port);
    this.aside.add(port);
  }

  commit(port: number, owner: string): void {
    this.pending.delete(port);
    this.held.set(port, owner);
  }

  /** Back of the queue, so it is reused only after every other free port (unless reserved). */
  giveBack(port: number): void {
    this.pending.delete(port);
    this.aside.delete(port);
    this.held.delete(port);
    if (this.inRange(port) && !this.reserved.has(port)) this.queue.push(port);
  }

  /** Free ports, longest-free first; for tests and diagnostics. */
  freePorts(): number[] {
    return [...this.queue];
  }
}

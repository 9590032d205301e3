import type { PortProbe } from './port-probe';
import type { Protocol } from './protocol';

export interface ProbeCall {
  port: number;
  protocol: Protocol;
  bindIp?: string;
}

/**
 * A host without real sockets: ports listed as busy are "held by another process". `hold()`
 * parks every probe until `resume()`, so tests can interleave concurrent allocations.
 */
export class FakePortProbe implements PortProbe {
  readonly calls: ProbeCall[] = [];
  private readonly busy = new Set<string>();
  private parked: Array<() => void> | undefined;

  constructor(busy: ReadonlyArray<{ port: number; protocol: Protocol }> = []) {
    for (const { port, protocol } of busy) this.setBusy(port, protocol);
  }

  setBusy(port: number, protocol: Protocol): this {
    this.busy.add(`${port}/${protocol}`);
    return this;
  }

  setFree(port: number, protocol: Protocol): this {
    this.busy.delete(`${port}/${protocol}`);
    return this;
  }

  isBusy(port: number, protocol: Protocol): boolean {
    return this.busy.has(`${port}/${protocol}`);
  }

  hold(): void {
    this.parked ??= [];
  }

  /** Lets parked probes answer (with the busy set as it is now) and stops parking new ones. */
  resume(): void {
    const parked = this.parked ?? [];
    this.parked = undefined;
    for (const wake of parked) wake();
  }

  /** Probes currently parked by `hold()`. */
  get waiting(): number {
    return this.parked?.length ?? 0;
  }

  async isFree(port: number, protocol: Protocol, bindIp?: string): Promise<boolean> {
    this.calls.push(bindIp === undefined ? { port, protocol } : { port, protocol, bindIp });
    const parked = this.parked;
    if (parked !== undefined) await new Promise<void>((wake) => parked.push(wake));
    else await Promise.resolve();
    return !this.isBusy(port, protocol);
  }
}

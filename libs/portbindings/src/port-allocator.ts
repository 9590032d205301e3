import { rejectDuplicateHostPorts, validateDesired } from './desired-binding';
import type { DesiredBinding, PortBinding } from './desired-binding';
import { isPortNumber, resolveOptions } from './options';
import type { PortAllocatorOptions } from './options';
import { PortBindingError } from './port-binding-error';
import { PortPool } from './port-pool';
import type { PortProbe } from './port-probe';
import { parseProtocol } from './parse-protocol';
import { describePort } from './protocol';
import type { Protocol } from './protocol';

interface Claim {
  readonly desired: DesiredBinding;
  readonly pool: PortPool;
  /** The port currently claimed; 0 once it has been handed back. */
  hostPort: number;
}

/**
 * Hands out host ports to owners (container FractalIDs). TCP and UDP pools are separate; each
 * is a FIFO of free ports, so a freed port is reused only after every other free port.
 */
export class PortAllocator {
  readonly minPort: number;
  readonly maxPort: number;
  private readonly pools: Record<Protocol, PortPool>;
  private readonly owners = new Map<string, PortBinding[]>();
  private readonly probe: PortProbe | undefined;

  constructor(options?: PortAllocatorOptions) {
    const { minPort, maxPort, reserved, probe } = resolveOptions(options);
    const reservedFor = (protocol: Protocol): number[] =>
      reserved.filter((r) => r.protocol === protocol).map((r) => r.port);
    this.minPort = minPort;
    this.maxPort = maxPort;
    this.probe = probe;
    this.pools = {
      tcp: new PortPool('tcp', minPort, maxPort, reservedFor('tcp')),
      udp: new PortPool('udp', minPort, maxPort, reservedFor('udp')),
    };
  }

  /** The port is never handed out again; a holder keeps it until it frees it. */
  reserve(port: number, protocol: Protocol): void {
    const pool = this.pool(protocol);
    if (!isPortNumber(port)) {
      throw new PortBindingError(
        'INVALID_BINDING',
        `cannot reserve port ${String(port)}/${protocol}: a port must be an integer in 1..65535`,
        { protocol },
      );
    }
    pool.reserve(port);
  }

  /**
   * All or none. Every port is claimed synchronously before the first await, so concurrent
   * calls never get the same port; with a probe, ports another process holds are skipped.
   */
  async allocate(owner: string, desired: readonly DesiredBinding[]): Promise<PortBinding[]> {
    checkOwner(owner);
    if (!Array.isArray(desired)) {
      throw new PortBindingError('INVALID_BINDING', `bindings for owner ${owner} must be an array`, {
        owner,
      });
    }
    const wanted = desired.map((d: unknown, i) => validateDesired(d, i, owner));
    rejectDuplicateHostPorts(wanted, owner);
    const claims = this.claimAll(owner, wanted);
    if (this.probe !== undefined) await this.confirmAll(this.probe, owner, claims);
    return this.commit(owner, claims);
  }

  /**
   * Takes exactly these host ports for `owner` without probing: the owner already has them bound
   * (a container adopted after the daemon restarted). All or none; every hostPort must be given.
   */
  adopt(owner: string, bindings: readonly DesiredBinding[]): PortBinding[] {
    checkOwner(owner);
    const wanted = bindings.map((d: unknown, i) => validateDesired(d, i, owner));
    rejectDuplicateHostPorts(wanted, owner);
    const unnamed = wanted.find((d) => d.hostPort === 0);
    if (unnamed !== undefined) {
      throw new PortBindingError(
        'INVALID_BINDING',
        `owner ${owner} adopts ${unnamed.containerPort}/${unnamed.protocol} without a host port; adopting needs the port it holds`,
        { owner },
      );
    }
    return this.commit(owner, this.claimAll(owner, wanted));
  }

  /** Frees everything the owner holds and returns it; [] when it holds nothing. */
  free(owner: string): PortBinding[] {
    const held = this.owners.get(owner);
    if (held === undefined) return [];
    this.owners.delete(owner);
    for (const b of held) this.pools[b.protocol].giveBack(b.hostPort);
    return held;
  }

  /** Frees one port; a port that is reserved or not held by `owner` is reported, nothing changes. */
  release(owner: string, hostPort: number, protocol: Protocol): void {
    const pool = this.pool(protocol);
    const holder = pool.holderOf(hostPort);
    const what = describePort(hostPort, pool.protocol);
    if (holder !== owner) {
      if (pool.isReserved(hostPort)) {
        throw new PortBindingError(
          'PORT_RESERVED',
          `${what} is reserved and never handed out, so owner ${owner} cannot release it; nothing was changed`,
          { port: hostPort, protocol: pool.protocol, owner },
        );
      }
      const state = holder === undefined ? 'it is not allocated' : `it is held by owner ${holder}`;
      throw new PortBindingError(
        'NOT_HELD',
        `${what} is not held by owner ${owner} (${state}); nothing was released`,
        {
          port: hostPort,
          protocol: pool.protocol,
          owner,
        },
      );
    }
    const held = this.owners.get(owner) ?? [];
    const rest = held.filter((b) => !(b.hostPort === hostPort && b.protocol === pool.protocol));
    if (rest.length === 0) this.owners.delete(owner);
    else this.owners.set(owner, rest);
    pool.giveBack(hostPort);
  }

  heldBy(owner: string): PortBinding[] {
    return (this.owners.get(owner) ?? []).map((b) => ({ ...b }));
  }

  /** Ports of that protocol taken by allocations (committed or still being probed). */
  inUse(protocol: Protocol): number {
    return this.pool(protocol).inUse();
  }

  isAllocated(hostPort: number, protocol: Protocol): boolean {
    const pool = this.pool(protocol);
    return pool.holderOf(hostPort) !== undefined || pool.isPending(hostPort);
  }

  /** The owner holding the port, if any. */
  holderOf(hostPort: number, protocol: Protocol): string | undefined {
    return this.pool(protocol).holderOf(hostPort);
  }

  private pool(protocol: Protocol): PortPool {
    return this.pools[parseProtocol(protocol)];
  }

  private claimAll(owner: string, wanted: readonly DesiredBinding[]): Claim[] {
    const claims: Claim[] = new Array<Claim>(wanted.length);
    try {
      // Specific ports first, so an "any port" binding listed earlier cannot take one a later binding names.
      for (let i = 0; i < wanted.length; i += 1) {
        const desired = wanted[i];
        const pool = this.pools[desired.protocol];
        if (desired.hostPort !== 0)
          claims[i] = { desired, pool, hostPort: this.claimSpecific(pool, owner, desired.hostPort) };
      }
      for (let i = 0; i < wanted.length; i += 1) {
        const desired = wanted[i];
        const pool = this.pools[desired.protocol];
        if (desired.hostPort === 0) claims[i] = { desired, pool, hostPort: this.claimNext(pool, owner) };
      }
    } catch (err) {
      rollBack(claims);
      throw err;
    }
    return claims;
  }

  private claimNext(pool: PortPool, owner: string): number {
    const port = pool.claimNext();
    if (port === undefined) throw exhausted(pool, owner);
    return port;
  }

  private claimSpecific(pool: PortPool, owner: string, port: number): number {
    const what = describePort(port, pool.protocol);
    const details = { port, protocol: pool.protocol, owner };
    const orAny = 'or ask for host port 0 (any free port)';
    if (!pool.inRange(port)) {
      throw new PortBindingError(
        'PORT_OUT_OF_RANGE',
        `${what} asked for by owner ${owner} is outside the allowed range ${pool.range}; ask for a port in that range ${orAny}`,
        details,
      );
    }
    if (pool.isReserved(port)) {
      throw new PortBindingError(
        'PORT_RESERVED',
        `${what} asked for by owner ${owner} is reserved and never handed out; ask for another port ${orAny}`,
        details,
      );
    }
    const holder = pool.holderOf(port);
    if (holder !== undefined || !pool.claim(port)) {
      const by =
        holder === undefined ? 'is being allocated to another owner' : `is already held by owner ${holder}`;
      throw new PortBindingError(
        'PORT_IN_USE',
        `${what} asked for by owner ${owner} ${by}; free it first ${orAny}`,
        details,
      );
    }
    return port;
  }

  private async confirmAll(probe: PortProbe, owner: string, claims: Claim[]): Promise<void> {
    const aside: Array<{ pool: PortPool; port: number }> = [];
    try {
      // One at a time: a failure then leaves no probe running that could claim more ports.
      for (const claim of claims) await this.confirm(probe, owner, claim, aside);
    } catch (err) {
      rollBack(claims);
      throw err;
    } finally {
      for (const { pool, port } of aside) pool.giveBack(port);
    }
  }

  private async confirm(
    probe: PortProbe,
    owner: string,
    claim: Claim,
    aside: Array<{ pool: PortPool; port: number }>,
  ): Promise<void> {
    const { pool, desired } = claim;
    for (;;) {
      if (await probe.isFree(claim.hostPort, pool.protocol, desired.bindIp)) return;
      if (desired.hostPort !== 0) {
        throw new PortBindingError(
          'PORT_IN_USE',
          `${describePort(claim.hostPort, pool.protocol)} asked for by owner ${owner} is held by another process on this host; stop that process or ask for host port 0 (any free port)`,
          { port: claim.hostPort, protocol: pool.protocol, owner },
        );
      }
      pool.setAside(claim.hostPort);
      aside.push({ pool, port: claim.hostPort });
      claim.hostPort = 0;
      claim.hostPort = this.claimNext(pool, owner);
    }
  }

  private commit(owner: string, claims: readonly Claim[]): PortBinding[] {
    const bindings = claims.map(({ desired, pool, hostPort }) => {
      pool.commit(hostPort, owner);
      const binding: PortBinding = {
        containerPort: desired.containerPort,
        protocol: desired.protocol,
        hostPort,
      };
      if (desired.bindIp !== undefined) binding.bindIp = desired.bindIp;
      return binding;
    });
    const held = this.owners.get(owner);
    if (held !== undefined) held.push(...bindings);
    else if (bindings.length > 0) this.owners.set(owner, bindings);
    return bindings.map((b) => ({ ...b }));
  }
}

function checkOwner(owner: unknown): asserts owner is string {
  if (typeof owner !== 'string' || owner.length === 0) {
    throw new PortBindingError(
      'INVALID_BINDING',
      `owner must be a non-empty string (the container's FractalID), got ${JSON.stringify(owner)}`,
    );
  }
}

function rollBack(claims: readonly (Claim | undefined)[]): void {
  for (const claim of claims) {
    if (claim !== undefined && claim.hostPort !== 0) claim.pool.giveBack(claim.hostPort);
  }
}

function exhausted(pool: PortPool, owner: string): PortBindingError {
  const busy = pool.busyOnHost();
  const counts =
    busy > 0
      ? `${pool.inUse()} in use, ${busy} held by other processes on this host`
      : `${pool.inUse()} in use`;
  return new PortBindingError(
    'PORTS_EXHAUSTED',
    `no free ${pool.protocol.toUpperCase()} host port in ${pool.range} (${counts})`,
    {
      protocol: pool.protocol,
      owner,
    },
  );
}

import type { DesiredBinding } from './desired-binding';
import { PortAllocator } from './port-allocator';
import type { PortBindingError } from './port-binding-error';
import type { PortProbe } from './port-probe';
import type { Protocol } from './protocol';
import { FakePortProbe } from './testing';

const any = (protocol: Protocol = 'tcp', bindIp?: string): DesiredBinding =>
  bindIp === undefined
    ? { containerPort: 1, protocol, hostPort: 0 }
    : { containerPort: 1, protocol, hostPort: 0, bindIp };
const exact = (hostPort: number, protocol: Protocol = 'tcp'): DesiredBinding => ({
  containerPort: 1,
  protocol,
  hostPort,
});
const ports = (bindings: Array<{ hostPort: number }>): number[] => bindings.map((b) => b.hostPort);

describe('PortAllocator with a host probe', () => {
  it('skips ports another process holds, keeps trying, and asks with the bind IP', async () => {
    const probe = new FakePortProbe([
      { port: 4000, protocol: 'tcp' },
      { port: 4001, protocol: 'tcp' },
    ]);
    const a = new PortAllocator({ minPort: 4000, maxPort: 4003, probe });
    expect(ports(await a.allocate('x', [any('tcp', '10.0.0.5'), any('udp')]))).toEqual([4002, 4000]);
    expect(probe.calls).toEqual([
      { port: 4000, protocol: 'tcp', bindIp: '10.0.0.5' },
      { port: 4001, protocol: 'tcp', bindIp: '10.0.0.5' },
      { port: 4002, protocol: 'tcp', bindIp: '10.0.0.5' },
      { port: 4000, protocol: 'udp' },
    ]);
    expect([a.inUse('tcp'), a.isAllocated(4000, 'tcp')]).toEqual([1, false]);
  });

  it('puts ports found busy at the back of the queue', async () => {
    const probe = new FakePortProbe([{ port: 4000, protocol: 'tcp' }]);
    const a = new PortAllocator({ minPort: 4000, maxPort: 4003, probe });
    const order = [...ports(await a.allocate('a', [any()]))];
    probe.setFree(4000, 'tcp');
    for (const owner of ['b', 'c', 'd']) order.push(...ports(await a.allocate(owner, [any()])));
    expect(order).toEqual([4001, 4002, 4003, 4000]);
  });

  it('says how many ports other processes hold when every free one is busy', async () => {
    const probe = new FakePortProbe([4001, 4002, 4003].map((port) => ({ port, protocol: 'udp' as const })));
    const a = new PortAllocator({ minPort: 4000, maxPort: 4003, probe });
    await a.allocate('a', [any('udp')]);
    const err = (await a
      .allocate('b', [any('tcp'), any('udp')])
      .catch((e: unknown) => e)) as PortBindingError;
    expect([err.code, err.message]).toEqual([
      'PORTS_EXHAUSTED',
      'no free UDP host port in 4000..4003 (1 in use, 3 held by other processes on this host)',
    ]);
    expect([a.inUse('tcp'), a.inUse('udp')]).toEqual([0, 1]);
    probe.setFree(4003, 'udp');
    expect(ports(await a.allocate('b', [any('udp')]))).toEqual([4003]);
  });

  it('refuses a specific port another process holds and rolls back the rest', async () => {
    const probe = new FakePortProbe([{ port: 4002, protocol: 'tcp' }]);
    const a = new PortAllocator({ minPort: 4000, maxPort: 4003, probe });
    const err = (await a
      .allocate('x', [any('udp'), exact(4002), any()])
      .catch((e: unknown) => e)) as PortBindingError;
    expect([err.code, err.message, err.port]).toEqual([
      'PORT_IN_USE',
      'host port 4002/tcp asked for by owner x is held by another process on this host; stop that process or ask for host port 0 (any free port)',
      4002,
    ]);
    expect([a.inUse('tcp'), a.inUse('udp'), a.heldBy('x')]).toEqual([0, 0, []]);
  });

  it('rolls back and passes on an error thrown by the probe', async () => {
    const boom = new Error('probe broke');
    const probe: PortProbe = {
      isFree: (port) => (port === 4001 ? Promise.reject(boom) : Promise.resolve(true)),
    };
    const a = new PortAllocator({ minPort: 4000, maxPort: 4003, probe });
    await expect(a.allocate('x', [any(), any()])).rejects.toBe(boom);
    expect([a.inUse('tcp'), a.isAllocated(4000, 'tcp'), a.isAllocated(4001, 'tcp')]).toEqual([
      0,
      false,
      false,
    ]);
  });

  it('claims ports before the first await, so concurrent calls never share one', async () => {
    const probe = new FakePortProbe();
    const a = new PortAllocator({ minPort: 4000, maxPort: 4009, probe });
    probe.hold();
    const first = a.allocate('a', [any(), any('udp')]);
    const second = a.allocate('b', [any(), exact(4005)]);
    expect(probe.waiting).toBe(2);
    expect([4000, 4001, 4005].map((p) => a.isAllocated(p, 'tcp'))).toEqual([true, true, true]);
    expect(a.inUse('tcp')).toBe(3);
    expect(a.heldBy('a')).toEqual([]);
    const clash = (await a.allocate('c', [exact(4005)]).catch((e: unknown) => e)) as PortBindingError;
    expect([clash.code, clash.message]).toEqual([
      'PORT_IN_USE',
      'host port 4005/tcp asked for by owner c is being allocated to another owner; free it first or ask for host port 0 (any free port)',
    ]);
    probe.setBusy(4000, 'tcp');
    probe.resume();
    const [got1, got2] = await Promise.all([first, second]);
    expect([ports(got1), ports(got2)]).toEqual([
      [4002, 4000],
      [4001, 4005],
    ]);
  });

  it('many concurrent allocations with busy ports get distinct ports and never fail while some are free', async () => {
    const probe = new FakePortProbe([4003, 4007, 4011].map((port) => ({ port, protocol: 'tcp' as const })));
    const a = new PortAllocator({ minPort: 4000, maxPort: 4019, probe });
    const results = await Promise.all(Array.from({ length: 17 }, (_, i) => a.allocate(`o${i}`, [any()])));
    const got = results.flatMap(ports);
    expect(new Set(got).size).toBe(17);
    expect(got.some((p) => probe.isBusy(p, 'tcp'))).toBe(false);
    await expect(a.allocate('late', [any()])).rejects.toThrow(
      'no free TCP host port in 4000..4019 (17 in use, 3 held by other processes on this host)',
    );
  });
});

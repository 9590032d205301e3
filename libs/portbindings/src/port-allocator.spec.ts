import type { DesiredBinding } from './desired-binding';
import { PortAllocator } from './port-allocator';
import { PortBindingError } from './port-binding-error';
import type { Protocol } from './protocol';

const any = (protocol: Protocol, containerPort = 32262): DesiredBinding => ({
  containerPort,
  protocol,
  hostPort: 0,
});
const exact = (hostPort: number, protocol: Protocol = 'tcp'): DesiredBinding => ({
  containerPort: 32262,
  protocol,
  hostPort,
});

async function failure(promise: Promise<unknown>): Promise<PortBindingError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(PortBindingError);
    return err as PortBindingError;
  }
  throw new Error('expected a PortBindingError');
}

describe('PortAllocator.allocate', () => {
  it('hands out the three ports of a container, in the order asked, and records the owner', async () => {
    const a = new PortAllocator({ minPort: 2000, maxPort: 2010 });
    const got = await a.allocate('fid-1', [
      any('tcp', 32262),
      any('udp', 32263),
      { ...any('tcp', 32273), bindIp: '127.0.0.1' },
    ]);
    expect(got).toEqual([
      { containerPort: 32262, protocol: 'tcp', hostPort: 2000 },
      { containerPort: 32263, protocol: 'udp', hostPort: 2000 },
      { containerPort: 32273, protocol: 'tcp', hostPort: 2001, bindIp: '127.0.0.1' },
    ]);
    expect(a.heldBy('fid-1')).toEqual(got);
    expect([a.inUse('tcp'), a.inUse('udp')]).toEqual([2, 1]);
    expect([a.isAllocated(2001, 'tcp'), a.isAllocated(2001, 'udp'), a.holderOf(2000, 'udp')]).toEqual([
      true,
      false,
      'fid-1',
    ]);
  });

  it('keeps TCP and UDP pools apart', async () => {
    const a = new PortAllocator({ minPort: 3000, maxPort: 3000 });
    await a.allocate('x', [exact(3000, 'tcp')]);
    await expect(a.allocate('y', [exact(3000, 'udp')])).resolves.toEqual([exact(3000, 'udp')]);
  });

  it('gives a specific port when it is free and takes it out of the "any" rotation', async () => {
    const a = new PortAllocator({ minPort: 5000, maxPort: 5002 });
    await a.allocate('x', [exact(5000)]);
    const rest = await a.allocate('y', [any('tcp'), any('tcp')]);
    expect(rest.map((b) => b.hostPort)).toEqual([5001, 5002]);
  });

  it('serves specific ports before "any" ones so a later specific port is not stolen', async () => {
    const a = new PortAllocator({ minPort: 5000, maxPort: 5001 });
    const got = await a.allocate('x', [any('tcp'), exact(5000)]);
    expect(got.map((b) => b.hostPort)).toEqual([5001, 5000]);
  });

  it.each([
    [
      exact(80),
      'PORT_OUT_OF_RANGE',
      'host port 80/tcp asked for by owner c is outside the allowed range 1025..49150; ask for a port in that range or ask for host port 0 (any free port)',
    ],
    [
      exact(49151, 'udp'),
      'PORT_OUT_OF_RANGE',
      'host port 49151/udp asked for by owner c is outside the allowed range 1025..49150; ask for a port in that range or ask for host port 0 (any free port)',
    ],
    [
      exact(4678),
      'PORT_RESERVED',
      'host port 4678/tcp asked for by owner c is reserved and never handed out; ask for another port or ask for host port 0 (any free port)',
    ],
    [
      exact(8080),
      'PORT_IN_USE',
      'host port 8080/tcp asked for by owner c is already held by owner b; free it first or ask for host port 0 (any free port)',
    ],
  ] as const)('says why a specific port cannot be had: %j', async (desired, code, message) => {
    const a = new PortAllocator({ reserved: [{ port: 4678, protocol: 'tcp' }] });
    await a.allocate('b', [exact(8080)]);
    const err = await failure(a.allocate('c', [desired]));
    expect([err.code, err.message, err.port, err.protocol, err.owner]).toEqual([
      code,
      message,
      desired.hostPort,
      desired.protocol,
      'c',
    ]);
    expect(a.heldBy('c')).toEqual([]);
  });

  it.each([
    [
      { containerPort: 0, protocol: 'tcp', hostPort: 0 },
      'INVALID_BINDING',
      'binding #0 for owner o: containerPort must be an integer in 1..65535, got 0',
    ],
    [
      { containerPort: 1, protocol: 'TCP', hostPort: 0 },
      'INVALID_PROTOCOL',
      'invalid protocol "TCP": expected "tcp" or "udp" (lowercase)',
    ],
    [
      { containerPort: 1, protocol: 6, hostPort: 0 },
      'INVALID_BINDING',
      'binding #0 for owner o: protocol must be "tcp" or "udp", got 6',
    ],
    [
      { containerPort: 1, protocol: 'udp', hostPort: -1 },
      'INVALID_BINDING',
      'binding #0 for owner o: hostPort must be 0 (any free port) or an integer in 1..65535, got -1',
    ],
    [
      { containerPort: 1, protocol: 'udp', hostPort: 0, bindIp: 'localhost' },
      'INVALID_BINDING',
      'binding #0 for owner o: bindIp must be an IPv4 or IPv6 address, got "localhost"',
    ],
    [null, 'INVALID_BINDING', 'binding #0 for owner o: expected an object, got null'],
  ])('rejects the malformed binding %j', async (desired, code, message) => {
    const a = new PortAllocator();
    const err = await failure(a.allocate('o', [desired as DesiredBinding]));
    expect([err.code, err.message]).toEqual([code, message]);
  });

  it('rejects an empty owner and the same specific port twice in one call', async () => {
    const a = new PortAllocator();
    expect((await failure(a.allocate('', [any('tcp')]))).message).toBe(
      `owner must be a non-empty string (the container's FractalID), got ""`,
    );
    const twice = await failure(a.allocate('o', [exact(2000), exact(2000, 'udp'), exact(2000)]));
    expect([twice.code, twice.message]).toEqual([
      'INVALID_BINDING',
      'host port 2000/tcp is asked for twice in one allocation for owner o; ask for each host port once',
    ]);
    expect(a.inUse('tcp') + a.inUse('udp')).toBe(0);
  });

  it('accepts an empty request and holds nothing for it', async () => {
    const a = new PortAllocator();
    await expect(a.allocate('o', [])).resolves.toEqual([]);
    expect(a.heldBy('o')).toEqual([]);
  });
});

describe('PortAllocator atomicity', () => {
  it('a failing binding in the middle leaves nothing taken and the rotation order unchanged', async () => {
    const a = new PortAllocator({
      minPort: 6000,
      maxPort: 6003,
      reserved: [{ port: 6003, protocol: 'udp' }],
    });
    await a.allocate('other', [exact(6002)]);
    const err = await failure(a.allocate('c', [any('tcp'), any('udp'), exact(6002), any('udp')]));
    expect(err.code).toBe('PORT_IN_USE');
    expect([a.inUse('tcp'), a.inUse('udp'), a.heldBy('c')]).toEqual([1, 0, []]);
    expect([6000, 6001].some((p) => a.isAllocated(p, 'tcp') || a.isAllocated(p, 'udp'))).toBe(false);
    const next = await a.allocate('d', [any('tcp'), any('udp')]);
    expect(next.map((b) => b.hostPort)).toEqual([6000, 6000]);
  });

  it('running out part-way through a request takes nothing', async () => {
    const a = new PortAllocator({ minPort: 7000, maxPort: 7001 });
    const err = await failure(a.allocate('c', [any('udp'), any('tcp'), any('udp'), any('udp')]));
    expect([err.code, err.message, err.protocol]).toEqual([
      'PORTS_EXHAUSTED',
      'no free UDP host port in 7000..7001 (2 in use)',
      'udp',
    ]);
    expect([a.inUse('tcp'), a.inUse('udp'), a.heldBy('c')]).toEqual([0, 0, []]);
    expect((await a.allocate('d', [any('udp'), any('udp')])).map((b) => b.hostPort)).toEqual([7000, 7001]);
  });
});

describe('PortAllocator exhaustion and rotation', () => {
  it('hands out every port of the default UDP pool, then says so exactly', async () => {
    const a = new PortAllocator();
    const seen = new Set<number>();
    for (let i = 0; i < 48126; i += 1) {
      const [b] = await a.allocate(`c${i}`, [any('udp')]);
      seen.add(b.hostPort);
    }
    expect(seen.size).toBe(48126);
    expect(Math.min(...seen)).toBe(1025);
    expect(Math.max(...seen)).toBe(49150);
    const err = await failure(a.allocate('late', [any('udp')]));
    expect([err.code, err.message]).toEqual([
      'PORTS_EXHAUSTED',
      'no free UDP host port in 1025..49150 (48126 in use)',
    ]);
    a.free('c777');
    await expect(a.allocate('late', [any('udp')])).resolves.toHaveLength(1);
  });

  it('does not reuse a freed port before the rest of the pool', async () => {
    const a = new PortAllocator({ minPort: 8000, maxPort: 8004 });
    const [first] = await a.allocate('a', [any('tcp')]);
    expect(a.free('a')).toEqual([first]);
    const order: number[] = [];
    for (let i = 0; i < 5; i += 1) order.push((await a.allocate(`n${i}`, [any('tcp')]))[0].hostPort);
    expect(order).toEqual([8001, 8002, 8003, 8004, 8000]);
  });

  it('never fails while a free port exists under random churn', async () => {
    const a = new PortAllocator({ minPort: 9000, maxPort: 9049 });
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const live: string[] = [];
    for (let i = 0; i < 3000; i += 1) {
      if (live.length > 0 && (live.length === 50 || rand(3) === 0)) {
        const [owner] = live.splice(rand(live.length), 1);
        expect(a.free(owner)).toHaveLength(1);
      } else {
        await a.allocate(`o${i}`, [any('tcp')]);
        live.push(`o${i}`);
      }
      expect(a.inUse('tcp')).toBe(live.length);
    }
  });
});

import { PortAllocator } from './port-allocator';
import { PortBindingError } from './port-binding-error';

function thrown(fn: () => void): PortBindingError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PortBindingError);
    return err as PortBindingError;
  }
  throw new Error('expected a PortBindingError');
}

async function setUp(): Promise<PortAllocator> {
  const a = new PortAllocator({ minPort: 2000, maxPort: 2003, reserved: [{ port: 2003, protocol: 'tcp' }] });
  await a.allocate('a', [
    { containerPort: 1, protocol: 'tcp', hostPort: 0 },
    { containerPort: 2, protocol: 'udp', hostPort: 0 },
  ]);
  await a.allocate('b', [{ containerPort: 1, protocol: 'tcp', hostPort: 0 }]);
  return a;
}

describe('PortAllocator.free and release', () => {
  it('free returns what the owner held and only that', async () => {
    const a = await setUp();
    expect(a.free('a')).toEqual([
      { containerPort: 1, protocol: 'tcp', hostPort: 2000 },
      { containerPort: 2, protocol: 'udp', hostPort: 2000 },
    ]);
    expect([a.free('a'), a.free('nobody'), a.heldBy('a')]).toEqual([[], [], []]);
    expect([a.inUse('tcp'), a.inUse('udp'), a.holderOf(2001, 'tcp')]).toEqual([1, 0, 'b']);
  });

  it('release frees one port, which then waits at the back of the queue', async () => {
    const a = await setUp();
    a.release('a', 2000, 'tcp');
    expect(a.heldBy('a')).toEqual([{ containerPort: 2, protocol: 'udp', hostPort: 2000 }]);
    const next = await a.allocate('c', [
      { containerPort: 1, protocol: 'tcp', hostPort: 0 },
      { containerPort: 1, protocol: 'tcp', hostPort: 0 },
    ]);
    expect(next.map((x) => x.hostPort)).toEqual([2002, 2000]);
    a.release('a', 2000, 'udp');
    expect(a.heldBy('a')).toEqual([]);
  });

  it.each([
    [
      'a',
      2001,
      'tcp',
      'NOT_HELD',
      'host port 2001/tcp is not held by owner a (it is held by owner b); nothing was released',
    ],
    [
      'a',
      2002,
      'tcp',
      'NOT_HELD',
      'host port 2002/tcp is not held by owner a (it is not allocated); nothing was released',
    ],
    [
      'zed',
      2000,
      'udp',
      'NOT_HELD',
      'host port 2000/udp is not held by owner zed (it is held by owner a); nothing was released',
    ],
    [
      'a',
      80,
      'tcp',
      'NOT_HELD',
      'host port 80/tcp is not held by owner a (it is not allocated); nothing was released',
    ],
    [
      'a',
      2003,
      'tcp',
      'PORT_RESERVED',
      'host port 2003/tcp is reserved and never handed out, so owner a cannot release it; nothing was changed',
    ],
  ] as const)(
    'release(%s, %d, %s) is reported and the pools stay intact',
    async (owner, port, protocol, code, message) => {
      const a = await setUp();
      const before = [a.heldBy('a'), a.heldBy('b'), a.inUse('tcp'), a.inUse('udp')];
      const err = thrown(() => a.release(owner, port, protocol));
      expect([err.code, err.message, err.port, err.owner]).toEqual([code, message, port, owner]);
      expect([a.heldBy('a'), a.heldBy('b'), a.inUse('tcp'), a.inUse('udp')]).toEqual(before);
      // The next free TCP port is still 2002: nothing was pushed into the queue twice.
      const [c] = await a.allocate('c', [{ containerPort: 1, protocol: 'tcp', hostPort: 0 }]);
      expect(c.hostPort).toBe(2002);
      await expect(a.allocate('d', [{ containerPort: 1, protocol: 'tcp', hostPort: 0 }])).rejects.toThrow(
        'no free TCP host port in 2000..2003 (3 in use)',
      );
    },
  );

  it('release rejects a bad protocol', async () => {
    const a = await setUp();
    expect(thrown(() => a.release('a', 2000, 'TCP' as 'tcp')).code).toBe('INVALID_PROTOCOL');
  });
});

describe('PortAllocator.reserve', () => {
  it('takes a free port out of the pool for good', async () => {
    const a = new PortAllocator({ minPort: 3000, maxPort: 3001 });
    a.reserve(3000, 'udp');
    const err = await a
      .allocate('x', [{ containerPort: 1, protocol: 'udp', hostPort: 3000 }])
      .catch((e: PortBindingError) => e);
    expect((err as PortBindingError).code).toBe('PORT_RESERVED');
    const got = await a.allocate('x', [{ containerPort: 1, protocol: 'udp', hostPort: 0 }]);
    expect(got[0].hostPort).toBe(3001);
    await expect(a.allocate('y', [{ containerPort: 1, protocol: 'udp', hostPort: 0 }])).rejects.toThrow(
      'no free UDP host port in 3000..3001 (1 in use)',
    );
  });

  it('lets a current holder keep a port reserved later, then never hands it out again', async () => {
    const a = new PortAllocator({ minPort: 3000, maxPort: 3001 });
    await a.allocate('x', [{ containerPort: 1, protocol: 'tcp', hostPort: 3000 }]);
    a.reserve(3000, 'tcp');
    expect(a.holderOf(3000, 'tcp')).toBe('x');
    a.release('x', 3000, 'tcp');
    expect(thrown(() => a.release('x', 3000, 'tcp')).code).toBe('PORT_RESERVED');
    await a.allocate('y', [{ containerPort: 1, protocol: 'tcp', hostPort: 0 }]);
    await expect(a.allocate('z', [{ containerPort: 1, protocol: 'tcp', hostPort: 0 }])).rejects.toThrow(
      '(1 in use)',
    );
  });

  it('rejects ports that are not port numbers', () => {
    const a = new PortAllocator();
    expect(thrown(() => a.reserve(0, 'tcp')).message).toBe(
      'cannot reserve port 0/tcp: a port must be an integer in 1..65535',
    );
    expect(thrown(() => a.reserve(80, 'icmp' as 'tcp')).code).toBe('INVALID_PROTOCOL');
  });
});

import { PortAllocator } from './port-allocator';
import type { PortAllocatorOptions } from './options';

function messageOf(options: unknown): string {
  try {
    new PortAllocator(options as PortAllocatorOptions);
  } catch (err) {
    expect((err as { code?: string }).code).toBe('INVALID_OPTIONS');
    return (err as Error).message;
  }
  throw new Error('expected the constructor to throw');
}

describe('PortAllocator options', () => {
  it('defaults to 1025..49150 with nothing reserved', () => {
    const a = new PortAllocator();
    expect([a.minPort, a.maxPort]).toEqual([1025, 49150]);
  });

  it.each([
    [{ minPort: 0 }, 'minPort must be an integer in 1..65535, got 0'],
    [{ minPort: 1.5 }, 'minPort must be an integer in 1..65535, got 1.5'],
    [{ minPort: '2000' }, 'minPort must be an integer in 1..65535, got "2000"'],
    [{ maxPort: 65536 }, 'maxPort must be an integer in 1..65535, got 65536'],
    [{ maxPort: Number.NaN }, 'maxPort must be an integer in 1..65535, got NaN'],
    [{ minPort: 3000, maxPort: 2000 }, 'minPort (3000) must not be greater than maxPort (2000)'],
    [{ reserved: 'x' }, 'reserved must be an array, got "x"'],
    [{ reserved: [{ port: 0, protocol: 'tcp' }] }, 'reserved[0].port must be an integer in 1..65535, got 0'],
    [
      {
        reserved: [
          { port: 80, protocol: 'tcp' },
          { port: 81, protocol: 'TCP' },
        ],
      },
      'reserved[1].protocol must be "tcp" or "udp", got "TCP"',
    ],
    [{ reserved: [null] }, 'reserved[0].port must be an integer in 1..65535, got undefined'],
    [{ probe: {} }, 'probe must have an isFree(port, protocol, bindIp) method'],
    [{ probe: null }, 'probe must have an isFree(port, protocol, bindIp) method'],
    [42, 'expected an object, got 42'],
  ])('rejects %j', (options, message) => {
    expect(messageOf(options)).toBe(`invalid PortAllocator options: ${message}`);
  });

  it('accepts a one-port range and a reserved list', async () => {
    const reserved = [
      { port: 4678, protocol: 'tcp' as const },
      { port: 51678, protocol: 'tcp' as const },
    ];
    const a = new PortAllocator({ minPort: 4678, maxPort: 4678, reserved });
    await expect(a.allocate('c1', [{ containerPort: 1, protocol: 'tcp', hostPort: 0 }])).rejects.toThrow(
      'no free TCP host port in 4678..4678 (0 in use)',
    );
    await expect(a.allocate('c1', [{ containerPort: 1, protocol: 'udp', hostPort: 0 }])).resolves.toEqual([
      { containerPort: 1, protocol: 'udp', hostPort: 4678 },
    ]);
  });
});

import { PortAllocator } from './port-allocator';
import type { PortProbe } from './port-probe';

describe('PortAllocator.adopt', () => {
  // Every port looks taken to the probe, as the adopted container's own bindings do.
  const busy: PortProbe = { isFree: async () => false };

  it('takes the named ports without probing; allocate then never hands them out', async () => {
    const ports = new PortAllocator({ minPort: 40000, maxPort: 40002 });
    const adopted = ports.adopt('old', [
      { containerPort: 32262, protocol: 'tcp', hostPort: 40001 },
      { containerPort: 32263, protocol: 'udp', hostPort: 40001 },
    ]);
    expect(adopted.map((b) => b.hostPort)).toEqual([40001, 40001]);
    const next = await ports.allocate('new', [
      { containerPort: 1, protocol: 'tcp', hostPort: 0 },
      { containerPort: 2, protocol: 'tcp', hostPort: 0 },
    ]);
    expect(next.map((b) => b.hostPort).sort()).toEqual([40000, 40002]);
    expect(
      new PortAllocator({ probe: busy }).adopt('o', [{ containerPort: 1, protocol: 'tcp', hostPort: 40000 }]),
    ).toHaveLength(1);
  });

  it('is all or none, and refuses a binding without a host port', () => {
    const ports = new PortAllocator({ minPort: 40000, maxPort: 40002 });
    ports.adopt('a', [{ containerPort: 1, protocol: 'tcp', hostPort: 40000 }]);
    expect(() =>
      ports.adopt('b', [
        { containerPort: 1, protocol: 'tcp', hostPort: 40001 },
        { containerPort: 2, protocol: 'tcp', hostPort: 40000 },
      ]),
    ).toThrow(/already held by owner a/);
    expect(ports.isAllocated(40001, 'tcp')).toBe(false);
    expect(() => ports.adopt('c', [{ containerPort: 1, protocol: 'tcp', hostPort: 0 }])).toThrow(
      /without a host port/,
    );
  });
});

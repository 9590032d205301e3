import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { createBindingProbe } from './binding-probe';
import { PortAllocator } from './port-allocator';

// Real sockets on 127.0.0.1 held by this process stand in for "another process on the host".
function listenTcp(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function bindUdp(port = 0): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve(socket));
  });
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function heldTcp(): Promise<number> {
  const server = await listenTcp();
  closers.push(() => new Promise<void>((done) => server.close(() => done())));
  return (server.address() as AddressInfo).port;
}

async function heldUdp(): Promise<number> {
  const socket = await bindUdp();
  closers.push(() => new Promise<void>((done) => socket.close(() => done())));
  return socket.address().port;
}

describe('createBindingProbe (real sockets)', () => {
  it('sees a TCP port held on 127.0.0.1, and the allocator skips it', async () => {
    const port = await heldTcp();
    const probe = createBindingProbe();
    expect(await probe.isFree(port, 'tcp')).toBe(false);
    expect(await probe.isFree(port, 'tcp', '127.0.0.1')).toBe(false);
    expect(await probe.isFree(port, 'udp', '127.0.0.1')).toBe(true);

    const a = new PortAllocator({ minPort: port, maxPort: Math.min(port + 20, 65535), probe });
    const [got] = await a.allocate('fid', [{ containerPort: 32262, protocol: 'tcp', hostPort: 0 }]);
    expect(got.hostPort).not.toBe(port);
    expect(a.isAllocated(port, 'tcp')).toBe(false);
    await expect(
      a.allocate('fid2', [{ containerPort: 32262, protocol: 'tcp', hostPort: port }]),
    ).rejects.toMatchObject({ code: 'PORT_IN_USE' });
  });

  it('sees a UDP port held on 127.0.0.1, and the allocator skips it', async () => {
    const port = await heldUdp();
    const probe = createBindingProbe();
    expect(await probe.isFree(port, 'udp')).toBe(false);
    expect(await probe.isFree(port, 'udp', '127.0.0.1')).toBe(false);

    const a = new PortAllocator({ minPort: port, maxPort: port, probe });
    await expect(a.allocate('fid', [{ containerPort: 32263, protocol: 'udp', hostPort: 0 }])).rejects.toThrow(
      `no free UDP host port in ${port}..${port} (0 in use, 1 held by other processes on this host)`,
    );
  });

  it('reports a port free once its holder lets go, and leaves it free after probing', async () => {
    const server = await listenTcp();
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((done) => server.close(() => done()));
    const probe = createBindingProbe({ defaultBindIp: '127.0.0.1' });
    expect(await probe.isFree(port, 'tcp')).toBe(true);
    // The probe must not keep the port: binding it again works.
    const again = await listenTcp(port);
    closers.push(() => new Promise<void>((done) => again.close(() => done())));
    expect((again.address() as AddressInfo).port).toBe(port);
  });

  it('reports a bind IP that is not on this host as not free', async () => {
    const probe = createBindingProbe();
    // 192.0.2.0/24 is TEST-NET-1: never assigned to a host interface, so the bind fails locally.
    expect(await probe.isFree(40000, 'tcp', '192.0.2.1')).toBe(false);
  });
});

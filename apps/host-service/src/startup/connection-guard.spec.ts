import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { connect } from 'node:net';
import { effectiveMaxConnections, guardConnections, openFileLimit } from './connection-guard';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
`;

function dial(port: number, localAddress: string): Promise<{ socket: Socket; served: boolean }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    socket.on('error', () => resolve({ socket, served: false }));
    socket.once('data', () => resolve({ socket, served: true }));
    socket.once('close', () => resolve({ socket, served: false }));
  });
}

describe('connection guard', () => {
  it('reads the soft open-file limit and keeps half of it for everything but API clients', () => {
    expect(openFileLimit(LIMITS)).toBe(1024);
    expect(openFileLimit('Max open files            unlimited            unlimited            files')).toBe(
      Number.MAX_SAFE_INTEGER,
    );
    expect(effectiveMaxConnections(1000, 1024)).toBe(512);
    expect(effectiveMaxConnections(1000, 65536)).toBe(1000);
    expect(effectiveMaxConnections(1000, 1)).toBe(1);
  });

  describe('on a real server', () => {
    let server: Server;
    let port: number;
    const sockets: Socket[] = [];

    beforeAll(async () => {
      // Stands in for the TLS server: its own connection listener is what the guard must wrap.
      server = createServer();
      server.on('connection', (s: Socket) => s.write('hello'));
      guardConnections(server, { maxConnections: 6, maxConnectionsPerAddress: 3 }, 65536);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    });

    it('caps one address, still serves another, and caps the total', async () => {
      const from = async (address: string, n: number): Promise<boolean[]> => {
        const out: boolean[] = [];
        for (let i = 0; i < n; i += 1) {
          const r = await dial(port, address);
          sockets.push(r.socket);
          out.push(r.served);
        }
        return out;
      };
      expect(await from('127.0.0.1', 5)).toEqual([true, true, true, false, false]);
      expect(await from('127.0.0.2', 4)).toEqual([true, true, true, false]);
      // 6 open: the total cap refuses a third address too.
      expect(await from('127.0.0.3', 1)).toEqual([false]);
    });
  });
});

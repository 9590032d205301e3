import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

export interface WebserverStandIn {
  readonly url: string;
  readonly handshakes: RecordedCall[];
  readonly heartbeats: RecordedCall[];
  /** Answer heartbeats with this status while set. */
  failHeartbeatsWith: number | null;
  /** Resolves once `count` heartbeats matching `pred` have arrived. */
  waitForHeartbeats(
    count: number,
    pred?: (body: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<void>;
  close(): Promise<void>;
}

export const STAND_IN_AUTH_TOKEN = 'stand-in-auth-token';

/** The webserver's two host-service endpoints on 127.0.0.1, recording what they receive. */
export async function startWebserverStandIn(): Promise<WebserverStandIn> {
  const handshakes: RecordedCall[] = [];
  const heartbeats: RecordedCall[] = [];
  const waiters = new Set<() => void>();
  const state = { failHeartbeatsWith: null as number | null };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return void res.writeHead(400).end();
      }
      const call = { path: req.url ?? '', body };
      if (req.method === 'POST' && req.url === '/host_service/auth') {
        handshakes.push(call);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ AuthToken: STAND_IN_AUTH_TOKEN }));
      } else if (req.method === 'POST' && req.url === '/host_service/heartbeat') {
        heartbeats.push(call);
        res.writeHead(state.failHeartbeatsWith ?? 200, { 'content-type': 'application/json' }).end('{}');
      } else {
        res.writeHead(404).end();
      }
      for (const w of waiters) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    handshakes,
    heartbeats,
    get failHeartbeatsWith() {
      return state.failHeartbeatsWith;
    },
    set failHeartbeatsWith(v) {
      state.failHeartbeatsWith = v;
    },
    waitForHeartbeats(count, pred = () => true, timeoutMs = 20_000) {
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (heartbeats.filter((h) => pred(h.body)).length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} heartbeats within ${timeoutMs} ms, got ${heartbeats.length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ImdsStandIn {
  readonly url: string;
  /** Every request seen, as `METHOD path token-header`. */
  readonly requests: string[];
  /** Answer every request with this status (e.g. 500) while set. */
  failWith: number | null;
  /** Further items served under /latest/meta-data/ (e.g. `spot/instance-action`); change at will. */
  readonly metadata: Record<string, string>;
  close(): Promise<void>;
}

export const STAND_IN_FACTS: Readonly<Record<string, string>> = {
  'instance-id': 'i-0123456789abcdef0',
  'instance-type': 'g4dn.xlarge',
  'placement/region': 'us-east-1',
  'ami-id': 'ami-0abcdef1234567890',
};

/** An IMDSv2 stand-in on 127.0.0.1: PUT /latest/api/token, then GETs carrying that token. */
export async function startImdsStandIn(): Promise<ImdsStandIn> {
  const token = 'stand-in-token';
  const state = { failWith: null as number | null };
  const requests: string[] = [];
  const metadata: Record<string, string> = {};
  const server: Server = createServer((req, res) => {
    const sent = req.headers['x-aws-ec2-metadata-token'];
    requests.push(`${req.method} ${req.url} ${typeof sent === 'string' ? sent : '-'}`);
    if (state.failWith !== null) return void res.writeHead(state.failWith).end();
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      if (req.headers['x-aws-ec2-metadata-token-ttl-seconds'] === undefined)
        return void res.writeHead(400).end();
      return void res.writeHead(200).end(token);
    }
    if (sent !== token) return void res.writeHead(401).end();
    const path = (req.url ?? '').replace('/latest/meta-data/', '');
    const fact = metadata[path] ?? STAND_IN_FACTS[path];
    if (req.method !== 'GET' || fact === undefined) return void res.writeHead(404).end();
    res.writeHead(200).end(fact);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    metadata,
    get failWith() {
      return state.failWith;
    },
    set failWith(v) {
      state.failWith = v;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

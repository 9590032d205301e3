import https from 'node:https';
import { performance } from 'node:perf_hooks';

export interface FreshPut {
  status: number;
  text: string;
  /** TCP connect + full TLS handshake, ms. */
  handshakeMs: number;
  /** The whole request as the caller sees it, ms. */
  totalMs: number;
}

/**
 * One PUT on a connection of its own, as Python `requests.put(..., verify=False)` makes it: no
 * keep-alive, no agent, so no TLS session cache either (a full handshake every time).
 */
export function putFresh(port: number, path: string, body: unknown): Promise<FreshPut> {
  const data = JSON.stringify(body);
  const t0 = performance.now();
  let handshakeMs = NaN;
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'PUT',
        agent: false,
        rejectUnauthorized: false,
        headers: {
          connection: 'close',
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(data),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text, handshakeMs, totalMs: performance.now() - t0 }),
        );
      },
    );
    req.on('socket', (socket) => socket.once('secureConnect', () => (handshakeMs = performance.now() - t0)));
    req.on('error', reject);
    req.end(data);
  });
}

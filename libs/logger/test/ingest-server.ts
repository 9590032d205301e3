import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type IngestMode = 'ok' | 'hang' | 'fail';

/** A stand-in for Sentry's ingest or the logz.io listener on 127.0.0.1, recording every request. */
export interface IngestServer {
  port: number;
  requests: RecordedRequest[];
  mode: IngestMode;
  /** Resolves once `count` requests have arrived (or rejects after `timeoutMs`). */
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

export async function startIngestServer(mode: IngestMode = 'ok'): Promise<IngestServer> {
  const requests: RecordedRequest[] = [];
  const listeners: Array<() => void> = [];
  const state = { mode };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: raw.toString('utf8'),
      });
      for (const listener of listeners.splice(0)) listener();
      if (state.mode === 'hang') return;
      res.writeHead(state.mode === 'ok' ? 200 : 500, { 'content-type': 'application/json' });
      res.end(state.mode === 'ok' ? '{}' : '{"error":"test failure"}');
    });
  };
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    port,
    requests,
    get mode() {
      return state.mode;
    },
    set mode(next: IngestMode) {
      state.mode = next;
    },
    waitForRequests: (count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `ingest server on port ${port}: ${requests.length}/${count} requests after ${timeoutMs} ms`,
              ),
            ),
          timeoutMs,
        );
        const check = (): void => {
          if (requests.length >= count) {
            clearTimeout(timer);
            resolve(requests);
          } else listeners.push(check);
        };
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The JSON items of a Sentry envelope (header line, then item header / payload pairs). */
export function parseEnvelope(body: string): {
  header: unknown;
  items: Array<{ type: string; payload: unknown }>;
} {
  const lines = body.split('\n').filter((line) => line.length > 0);
  const header: unknown = JSON.parse(lines[0] ?? '{}');
  const items: Array<{ type: string; payload: unknown }> = [];
  for (let i = 1; i + 1 < lines.length; i += 2) {
    const itemHeader = JSON.parse(lines[i] ?? '{}') as { type: string };
    items.push({ type: itemHeader.type, payload: JSON.parse(lines[i + 1] ?? 'null') });
  }
  return { header, items };
}

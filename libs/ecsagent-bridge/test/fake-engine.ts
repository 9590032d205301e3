import { promises as fs } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A stand-in Docker engine on a unix socket, enough for the interposer's framing and create path. */
export class FakeEngine {
  readonly requests: SeenRequest[] = [];
  connections = 0;
  private server: Server | null = null;

  constructor(readonly socketPath: string) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const path = (req.url ?? '').split('?')[0] ?? '';
        if (path.endsWith('/containers/create')) {
          const image = (JSON.parse(body) as { Image?: string }).Image;
          if (image === 'missing') {
            res.writeHead(404, { 'Content-Type': 'application/json' });
            res.end('{"message":"No such image: missing"}\n');
          } else {
            res.writeHead(201, { 'Content-Type': 'application/json', 'Api-Version': '1.41' });
            res.end(`{"Id":"id-${this.requests.length}","Warnings":[]}\n`);
          }
        } else if (path === '/stream') {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          let n = 0;
          const timer = setInterval(() => {
            res.write(`{"n":${n}}\n`);
            if (++n === 3) {
              clearInterval(timer);
              res.end();
            }
          }, 20);
        } else if (path === '/forever') {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.write('{"status":"streaming"}\n');
        } else {
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.end(`${req.method} ${req.url} ${body}`);
        }
      });
    });
    server.on('connection', () => (this.connections += 1));
    await new Promise<void>((resolve) => server.listen(this.socketPath, resolve));
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export async function makeTempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(join(tmpdir(), prefix));
}

/** A raw client connection that collects everything the server sends. */
export class RawClient {
  received = '';
  ended = false;
  /** Both directions are gone: the server closed its side fully, not just half. */
  closed = false;
  private readonly socket: Socket;

  constructor(socketPath: string) {
    this.socket = connect({ path: socketPath, allowHalfOpen: true });
    this.socket.on('data', (c: Buffer) => (this.received += c.toString('latin1')));
    this.socket.on('end', () => (this.ended = true));
    this.socket.on('error', () => (this.ended = true));
    this.socket.on('close', () => (this.closed = true));
  }

  send(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Waits until the received text matches (or the server closed), at most `ms`. */
  async waitFor(test: (received: string) => boolean, ms = 3000): Promise<string> {
    const deadline = Date.now() + ms;
    while (!test(this.received) && !this.ended && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.received;
  }
}

export function request(method: string, path: string, body = '', extra: string[] = []): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: docker', ...extra];
  if (body !== '' || method === 'POST') {
    lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

export function chunked(method: string, path: string, parts: string[]): string {
  const head = `${method} ${path} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
  const body = parts.map((p) => `${Buffer.byteLength(p).toString(16)};ext=1\r\n${p}\r\n`).join('');
  return `${head}${body}0\r\n\r\n`;
}

/** How many complete HTTP responses (status lines) a transcript holds. */
export function countResponses(received: string): number {
  return (received.match(/HTTP\/1\.1 \d{3} /g) ?? []).length;
}

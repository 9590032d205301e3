import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:https';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The built daemon (dist/apps/host-service/main.js) as a child process, its output collected. */
export class Daemon {
  readonly #child: ChildProcess;
  #output = '';
  readonly exited: Promise<number | null>;

  constructor(mainJs: string, env: Record<string, string>) {
    this.#child = spawn(process.execPath, [mainJs], {
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer): void => {
      this.#output += chunk.toString('utf8');
    };
    this.#child.stdout?.on('data', collect);
    this.#child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => this.#child.on('close', (code) => resolve(code)));
  }

  output(): string {
    return this.#output;
  }

  /** Waits until the HTTPS port answers (any status), failing early if the daemon exits. */
  async waitForHttps(port: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      if (exited) throw new Error(`the daemon exited before serving HTTPS:\n${this.#output}`);
      if (Date.now() > deadline)
        throw new Error(`no HTTPS on port ${port} within ${timeoutMs} ms:\n${this.#output}`);
      if ((await putJson(port, '/', {}).catch(() => undefined)) !== undefined) return;
      await sleep(250);
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill(signal);
    return this.exited;
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A JSON PUT over HTTPS to 127.0.0.1 (self-signed certificate), as the webserver sends it. */
export function putJson(
  port: number,
  path: string,
  body: unknown,
): Promise<{ status: number; body: unknown }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'PUT',
        rejectUnauthorized: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        timeout: 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`PUT ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export async function docker(...args: string[]): Promise<string> {
  return (await run('docker', args, { encoding: 'utf8', maxBuffer: 16 << 20 })).stdout;
}

import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { request } from 'node:https';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';

export const MAIN_JS = join(
  __dirname,
  '..',
  '..',
  '..',
  '..',
  '..',
  'dist',
  'apps',
  'host-service',
  'main.js',
);

export interface DaemonProcess {
  readonly child: ChildProcess;
  /** stdout (JSON log lines) and stderr so far. */
  output(): string;
  /** Parsed JSON log lines so far. */
  logLines(): Record<string, unknown>[];
  /** Resolves when a log line's msg contains `text`; rejects if the process exits first. */
  waitForLog(text: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** SIGKILLs the process if it still runs (test clean-up). */
  kill(): Promise<void>;
}

/**
 * Every daemon a spec file starts, so that one left running by a failed test (a spec that reuses
 * its `daemon` variable for the next test forgets the first) is SIGKILLed after the file's tests:
 * a live child would keep Jest from exiting.
 */
const started = new Set<DaemonProcess>();
// Benches import this file outside Jest, where there is no afterAll.
if (typeof afterAll === 'function') {
  afterAll(async () => {
    await Promise.all([...started].map((d) => d.kill()));
    started.clear();
  });
}

/**
 * Runs `node main.js args` with exactly `env` (plus PATH, `OPS_PORT=0` and `APP_ENV=localdev`,
 * which `env` may override; a key set to `undefined` is left out), collecting its output.
 */
export function startDaemon(
  env: Record<string, string | undefined>,
  args: readonly string[] = [],
  options: Pick<SpawnOptions, 'uid' | 'gid'> = {},
): DaemonProcess {
  const child = spawn(process.execPath, [MAIN_JS, ...args], {
    // OPS_PORT 0: daemons of tests running side by side must not fight over the default 4679.
    env: withoutUnset({
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      OPS_PORT: '0',
      APP_ENV: 'localdev',
      ...env,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    out += chunk.toString('utf8');
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let done = false;
  void exited.then(() => {
    done = true;
    for (const l of listeners) l();
  });
  const logLines = (): Record<string, unknown>[] =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  const daemon: DaemonProcess = {
    child,
    output: () => out,
    logLines,
    exited,
    waitForLog(text, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const line = logLines().find((l) => String(l.msg ?? '').includes(text));
          if (line !== undefined) finish(() => resolve(line));
          else if (done) finish(() => reject(new Error(`daemon exited before logging "${text}":\n${out}`)));
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`no "${text}" within ${timeoutMs} ms:\n${out}`))),
          timeoutMs,
        );
        const finish = (f: () => void): void => {
          clearTimeout(timer);
          listeners.delete(check);
          f();
        };
        listeners.add(check);
        check();
      });
    },
    async kill() {
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  started.add(daemon);
  void exited.then(() => started.delete(daemon));
  return daemon;
}

function withoutUnset(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** What the webserver (requests, verify=False) and client app send: a JSON PUT over HTTPS. */
export function putJson(port: number, path: string, body: unknown, method = 'PUT'): Promise<ApiAnswer> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
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
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The TLS certificate the daemon serves. */
export function peerCertificate(port: number): Promise<{ subjectaltname?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/', method: 'GET', rejectUnauthorized: false },
      (res) => {
        const cert =
          res.socket && 'getPeerCertificate' in res.socket
            ? (res.socket as TLSSocket).getPeerCertificate()
            : {};
        res.resume();
        resolve(cert);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

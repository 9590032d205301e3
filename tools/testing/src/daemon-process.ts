// A daemon under test as a child process, and the two things every test of one needs: a free port
// and a JSON request over HTTPS to its self-signed API. Shared by the app's e2e specs (the built
// daemon), tools/release (the packaged launcher) and the app's kernel e2e test in the VM, which
// compiles this file with tsc and runs it under node:test: so Node built-ins only, nothing of Jest
// but a guarded afterAll.
import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { request } from 'node:https';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface DaemonProcess {
  readonly child: ChildProcess;
  /** performance.now() when the process was spawned. */
  readonly startedAt: number;
  /** stdout (JSON log lines) and stderr so far. */
  output(): string;
  /** Parsed JSON log lines so far. */
  logLines(): Record<string, unknown>[];
  /** Resolves when a log line's msg contains `text`; rejects if the process exits first. */
  waitForLog(text: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** SIGKILLs the process if it still runs (test clean-up). */
  kill(): Promise<void>;
}

export interface StartProcessOptions extends Pick<SpawnOptions, 'cwd' | 'uid' | 'gid'> {
  /** Exactly the child's environment; a key set to `undefined` is left out. */
  readonly env: Record<string, string | undefined>;
  readonly args?: readonly string[];
}

/**
 * Every process a spec file starts, so that one left running by a failed test (a spec that reuses
 * its `daemon` variable for the next test forgets the first) is SIGKILLed after the file's tests:
 * a live child would keep Jest from exiting.
 */
const started = new Set<DaemonProcess>();
// Benches and the kernel e2e test (node:test) import this file outside Jest, where there is no
// afterAll.
const jestAfterAll = (globalThis as { afterAll?: (fn: () => Promise<void>) => void }).afterAll;
if (typeof jestAfterAll === 'function') {
  jestAfterAll(async () => {
    await Promise.all([...started].map((d) => d.kill()));
    started.clear();
  });
}

/** Runs `command args` with exactly `env`, collecting stdout and stderr together. */
export function startProcess(command: string, options: StartProcessOptions): DaemonProcess {
  const { env, args = [], ...spawnOptions } = options;
  const startedAt = performance.now();
  const child = spawn(command, args, {
    env: withoutUnset(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...spawnOptions,
  });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    out += chunk.toString('utf8');
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let done = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      done = true;
      resolve(code);
    }),
  );
  void exited.then(() => {
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
    startedAt,
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

/** A port free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ApiAnswer {
  readonly status: number;
  /** The body parsed as JSON, or its text when it is not JSON. */
  readonly body: unknown;
}

/**
 * What the webserver (requests, verify=False) and client app send: JSON over HTTPS to 127.0.0.1,
 * the self-signed certificate accepted. A string body goes as it is.
 */
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

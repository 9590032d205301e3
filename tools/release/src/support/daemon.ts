import type Dockerode from 'dockerode';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:https';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

export const WEBSERVER_SECRET = 'testwebserverauthsecretdev';
export const TEST_IMAGE = 'fractal/test-protocol:latest';
/** The app name of every container these tests spin up: its `fractal.app` label, per run. */
export const TEST_APP = `release-test-${process.pid}`;

export interface Daemon {
  readonly child: ChildProcess;
  readonly startedAt: number;
  output(): string;
  readonly exited: Promise<number | null>;
  kill(): Promise<void>;
}

/** Starts the artifact's launcher with exactly `env`, collecting stdout and stderr. */
export function startArtifact(launcher: string, env: Record<string, string>, cwd = '/'): Daemon {
  const startedAt = performance.now();
  const child = spawn(launcher, [], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  let done = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      done = true;
      resolve(code);
    }),
  );
  return {
    child,
    startedAt,
    output: () => out,
    exited,
    async kill() {
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A JSON PUT over HTTPS to 127.0.0.1, as the webserver sends (self-signed certificate). */
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

/** PUT /spin_up_container with the local test image; returns the Docker id. */
export async function spinUp(port: number): Promise<string> {
  const answer = await putJson(port, '/spin_up_container', {
    auth_secret: WEBSERVER_SECRET,
    app_name: TEST_APP,
    app_image: TEST_IMAGE,
    mount_command: '',
    protocol_timeout: 120,
  });
  if (answer.status !== 200)
    throw new Error(`spin_up_container answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return (answer.body as { result: string }).result;
}

/** Polls `probe` until it returns something other than undefined (errors count as not yet). */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Force-removes every container this run spun up (by its per-run `fractal.app` label). */
export async function removeTestContainers(docker: Dockerode): Promise<void> {
  const label = `fractal.app=${TEST_APP}`;
  const list = await docker.listContainers({ all: true, filters: { label: [label] } }).catch(() => []);
  for (const c of list) {
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
  }
}

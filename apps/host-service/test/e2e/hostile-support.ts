import type Dockerode from 'dockerode';
import { removeLabelled } from '@tools/testing';
import { execFile } from 'node:child_process';
import { readFileSync, readlinkSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { freePort, startDaemon } from './daemon-process';
import type { DaemonProcess } from './daemon-process';

export const SECRET = 'testwebserverauthsecretdev';
export const IMAGE = 'fractal/test-protocol:latest';

export interface LocaldevDaemon {
  readonly daemon: DaemonProcess;
  readonly port: number;
  readonly fractalDir: string;
  readonly privateDir: string;
  readonly store: string;
}

/** The built daemon in localdev on 127.0.0.1, its dirs under `root/<name>-*`. */
export async function startLocaldev(
  root: string,
  name: string,
  env: Record<string, string> = {},
): Promise<LocaldevDaemon> {
  const port = await freePort();
  const fractalDir = join(root, `${name}-fractal`);
  const privateDir = join(root, `${name}-private`);
  const store = join(root, `${name}-store`);
  const daemon = startDaemon({
    APP_ENV: 'localdev',
    HOST_SERVICE_PORT: String(port),
    HOST_SERVICE_HOST: '127.0.0.1',
    FRACTAL_DIR: fractalDir,
    FRACTAL_PRIVATE_DIR: privateDir,
    USER_CONFIGS_DIR: store,
    UINPUT: 'off',
    LOG_LEVEL: 'info',
    ...env,
  });
  await daemon.waitForLog('host service ready');
  return { daemon, port, fractalDir, privateDir, store };
}

/** Removes the containers of the daemon that owns `fractalDir` (its instance label), only those. */
export async function removeInstanceContainers(docker: Dockerode, fractalDir: string): Promise<void> {
  await removeLabelled(docker, `fractal.dir=${fractalDir}`);
}

export interface RawAnswer {
  readonly status: number;
  readonly text: string;
}

/** Sends `target` byte for byte (no client-side URL normalisation) over TLS; resolves the answer. */
export function rawPut(
  port: number,
  target: string,
  body: string,
  localAddress?: string,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      rejectUnauthorized: false,
      ...(localAddress ? { localAddress } : {}),
    });
    let text = '';
    socket.setTimeout(30_000, () => socket.destroy(new Error(`PUT ${target} timed out`)));
    socket.on('secureConnect', () =>
      socket.end(
        `PUT ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      ),
    );
    socket.on('data', (c: Buffer) => (text += c.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
  });
}

/** `openssl s_client` against the daemon; resolves its exit code (0: the handshake worked). */
export function sClient(port: number, args: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, ...args],
      { timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? Number((err as { code?: unknown }).code ?? -1) : 0;
        resolve({ code: Number.isFinite(code) ? code : -1, out: stdout + stderr });
      },
    );
    child.stdin?.end();
  });
}

/** Open fds of a process (its /proc/<pid>/fd entries). */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Resident set size of a process in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) * 1024;
}

/** Sockets among a process's fds. */
export function socketCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:');
    } catch {
      return false;
    }
  }).length;
}

import Dockerode from 'dockerode';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { mountsUnder } from './temp-root';

/**
 * A second, private Docker engine for a test: its own dockerd with its own data-root, exec-root,
 * pidfile, socket, config file, trust key (so its own engine ID) and managed containerd (under
 * exec-root), and its own bridge interface with an address from a free 10.x.y.0/24, so nothing of
 * the host's engine (/var/run/docker.sock, /etc/docker, docker0, its iptables chains) is used or
 * touched. Never `--bridge=none`: that deletes the host's docker0.
 *
 * Needs root, `dockerd` (Debian's docker.io) and `ip` (iproute2).
 */
export interface SecondEngine {
  /** The engine's API socket. */
  readonly socketPath: string;
  /** `unix://<socketPath>`, for DOCKER_HOST. */
  readonly dockerHost: string;
  /** `GET /info`'s ID: from its own key file, so never the host engine's. */
  readonly id: string;
  /** Its `--data-root`; `GET /info` reports it as DockerRootDir. */
  readonly dataRoot: string;
  /** The engine label (`--label`) `GET /info` reports in Labels, unique to this engine. */
  readonly label: string;
  /** The bridge interface it attaches containers to. */
  readonly bridge: string;
  /** Its bridge's address, CIDR. */
  readonly bridgeAddress: string;
  /** dockerd's pid. */
  readonly pid: number;
  /** Milliseconds from spawning dockerd to the first OK from `/_ping`. */
  readonly startMs: number;
  /** A client for this engine (not the host's). */
  readonly docker: Dockerode;
  /** dockerd's output (its log file) so far. */
  log(): Promise<string>;
  /** Copies `image` from the host's engine into this one (`docker save | docker load`). */
  loadImage(image: string, from?: Dockerode): Promise<void>;
  /**
   * Removes every container of this engine, stops dockerd (SIGTERM, then SIGKILL for it and its
   * containerd after `graceMs`), unmounts what is left under its dirs, deletes the bridge and its
   * dirs. Idempotent; never rejects.
   */
  stop(graceMs?: number): Promise<void>;
}

export interface SecondEngineOptions {
  /** `--storage-driver`; default: dockerd picks (overlay2, or vfs where overlay does not work). */
  readonly storageDriver?: string;
  /** How long to wait for `/_ping`. Default 30 s. */
  readonly startTimeoutMs?: number;
}

/** Engines a spec file started and did not stop: stopped after the file's tests (a failed test). */
const running = new Set<SecondEngine>();
if (typeof afterAll === 'function') {
  afterAll(async () => {
    await Promise.all([...running].map((e) => e.stop()));
  }, 60_000);
}

interface RunResult {
  readonly code: number;
  readonly out: string;
}

function run(file: string, args: readonly string[], timeoutMs = 15_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, [...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? Number((err as { code?: unknown }).code ?? -1) : 0;
      resolve({ code: Number.isFinite(code) ? code : -1, out: `${stdout}${stderr}`.trim() });
    });
  });
}

async function mustRun(file: string, args: readonly string[]): Promise<string> {
  const r = await run(file, args);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.code}): ${r.out}`);
  return r.out;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function ipv4ToInt(text: string): number {
  return text.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** Whether a.b.c.d/p and e.f.g.h/q share an address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const [aIp, aLen = '32'] = a.split('/');
  const [bIp, bLen = '32'] = b.split('/');
  const bits = Math.min(Number(aLen), Number(bLen));
  if (bits === 0) return true;
  const shift = 2 ** (32 - bits);
  return Math.floor(ipv4ToInt(aIp) / shift) === Math.floor(ipv4ToInt(bIp) / shift);
}

/** Every IPv4 prefix the host has on an interface or in a route. */
async function hostPrefixes(): Promise<string[]> {
  const addrs = await mustRun('ip', ['-4', '-o', 'addr', 'show']);
  const routes = await mustRun('ip', ['-4', 'route', 'show', 'table', 'all']);
  const found = `${addrs}\n${routes}`.match(/\b\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?\b/g) ?? [];
  return found.filter((p) => p !== '0.0.0.0/0');
}

/** A 10.x.y.0/24 (x in 200-254) no interface or route uses; the bridge gets .1. */
async function freeSubnet(): Promise<string> {
  const taken = await hostPrefixes();
  for (let i = 0; i < 50; i++) {
    const bytes = randomBytes(2);
    const subnet = `10.${200 + (bytes[0] % 55)}.${bytes[1]}.0/24`;
    if (!taken.some((t) => cidrsOverlap(t, subnet))) return subnet.replace(/\.0\/24$/, '.1/24');
  }
  throw new Error(`no free 10.x.y.0/24 for a bridge; host prefixes: ${taken.join(' ')}`);
}

/** GET /_ping on a unix socket: true on a 200 "OK". */
function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve(res.statusCode === 200 && body === 'OK'));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function pidFrom(file: string): Promise<number | undefined> {
  const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Waits for `pid` to be gone; true when it went within `ms`. */
async function gone(pid: number, child: ChildProcess | undefined, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    // Our child: it is gone once Node has reaped it (a zombie still answers kill(pid, 0)).
    if (child ? child.exitCode !== null || child.signalCode !== null : !alive(pid)) return true;
    await delay(100);
  }
  return false;
}

/**
 * Starts a private dockerd under `dir` (created; keep the path short: unix socket paths are
 * limited to 107 bytes) and waits until it answers `/_ping`. On failure everything it set up is
 * undone and the error carries the end of dockerd's log.
 */
export async function startSecondEngine(
  dir: string,
  options: SecondEngineOptions = {},
): Promise<SecondEngine> {
  const tag = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  // IFNAMSIZ: at most 15 characters.
  const bridge = `fre${tag}`.slice(0, 15);
  const dataRoot = join(dir, 'data');
  const execRoot = join(dir, 'exec');
  const socketPath = join(dir, 'docker.sock');
  const pidFile = join(dir, 'dockerd.pid');
  const logFile = join(dir, 'dockerd.log');
  const configFile = join(dir, 'daemon.json');
  const label = `fractal.e2e.engine=${tag}`;
  await mkdir(dir, { recursive: true });
  // Never the host's /etc/docker/daemon.json; and its own trust key (the engine ID in `GET /info`)
  // instead of the host's /etc/docker/key.json, so the two engines' IDs differ.
  await writeFile(configFile, `${JSON.stringify({ 'deprecated-key-path': join(dir, 'key.json') })}\n`);

  let child: ChildProcess | undefined;
  let docker: Dockerode | undefined;
  let bridgeMade = false;
  let stopping: Promise<void> | undefined;

  const log = (): Promise<string> => readFile(logFile, 'utf8').catch(() => '');

  const teardown = async (graceMs: number): Promise<void> => {
    if (child?.pid !== undefined) {
      const pid = child.pid;
      if (docker && (await ping(socketPath))) {
        // The engine is private: all its containers are this test's. Removing them first lets
        // dockerd stop at once instead of waiting on each container's stop timeout.
        const all = await docker.listContainers({ all: true }).catch(() => []);
        await Promise.all(
          all.map((c) =>
            docker
              ?.getContainer(c.Id)
              .remove({ force: true })
              .catch(() => undefined),
          ),
        );
      }
      const containerdPid = await pidFrom(join(execRoot, 'containerd', 'containerd.pid'));
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        if (!(await gone(pid, child, graceMs))) {
          child.kill('SIGKILL');
          await gone(pid, child, 5000);
        }
      }
      // dockerd stops its managed containerd; a SIGKILLed dockerd leaves it running.
      if (containerdPid !== undefined && alive(containerdPid)) {
        process.kill(containerdPid, 'SIGTERM');
        if (!(await gone(containerdPid, undefined, graceMs))) {
          process.kill(containerdPid, 'SIGKILL');
          await gone(containerdPid, undefined, 5000);
        }
      }
    }
    // dockerd leaves exec-root/netns/default (an nsfs bind mount); a killed one, more.
    for (const m of (await mountsUnder(dir)).reverse()) await run('umount', ['-l', m]);
    if (bridgeMade) {
      const del = await run('ip', ['link', 'del', bridge]);
      if (del.code !== 0 && !/Cannot find device/.test(del.out))
        process.stderr.write(`second engine: ip link del ${bridge} failed: ${del.out}\n`);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const stop = (graceMs = 20_000): Promise<void> => {
    stopping ??= teardown(graceMs).catch((err: Error) => {
      process.stderr.write(`second engine: clean-up of ${dir} failed: ${err.message}\n`);
    });
    return stopping;
  };

  try {
    const bridgeAddress = await freeSubnet();
    await mustRun('ip', ['link', 'add', bridge, 'type', 'bridge']);
    bridgeMade = true;
    await mustRun('ip', ['addr', 'add', bridgeAddress, 'dev', bridge]);
    await mustRun('ip', ['link', 'set', bridge, 'up']);

    const args = [
      '--config-file',
      configFile,
      '--data-root',
      dataRoot,
      '--exec-root',
      execRoot,
      '--pidfile',
      pidFile,
      '--host',
      `unix://${socketPath}`,
      `--bridge=${bridge}`,
      // Leave the host's iptables chains, forwarding and NAT alone.
      '--iptables=false',
      '--ip-masq=false',
      '--ip-forward=false',
      '--label',
      label,
      ...(options.storageDriver ? ['--storage-driver', options.storageDriver] : []),
    ];
    const out = openSync(logFile, 'a');
    const started = Date.now();
    try {
      child = spawn('dockerd', args, { detached: true, stdio: ['ignore', out, out] });
    } finally {
      closeSync(out);
    }
    // Never keeps Jest alive; stop() (or the afterAll above) ends it.
    child.unref();
    const spawnError = new Promise<Error>((resolve) => child?.once('error', resolve));
    let failure: Error | undefined;
    void spawnError.then((err) => (failure = err));

    const timeoutMs = options.startTimeoutMs ?? 30_000;
    for (;;) {
      if (failure) throw new Error(`cannot run dockerd: ${failure.message}`);
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`dockerd exited (${child.exitCode ?? child.signalCode}) before answering`);
      if (await ping(socketPath)) break;
      if (Date.now() - started > timeoutMs)
        throw new Error(`dockerd did not answer /_ping within ${timeoutMs} ms`);
      await delay(50);
    }
    const startMs = Date.now() - started;
    docker = new Dockerode({ socketPath });
    const client = docker;
    const pid = child.pid ?? -1;
    const { ID: id } = (await client.info()) as { ID: string };

    const engine: SecondEngine = {
      id,
      socketPath,
      dockerHost: `unix://${socketPath}`,
      dataRoot,
      label,
      bridge,
      bridgeAddress,
      pid,
      startMs,
      docker: client,
      log,
      async loadImage(image, from = new Dockerode()) {
        const tar = await from.getImage(image).get();
        const answer = await client.loadImage(tar);
        const text = await new Promise<string>((resolve, reject) => {
          let body = '';
          answer.on('data', (c: Buffer) => (body += c.toString('utf8')));
          answer.on('end', () => resolve(body));
          answer.on('error', reject);
        });
        if (/"error"/.test(text)) throw new Error(`docker load of ${image} failed: ${text}`);
        await client.getImage(image).inspect();
      },
      stop: async (graceMs) => {
        await stop(graceMs);
        running.delete(engine);
      },
    };
    running.add(engine);
    return engine;
  } catch (err) {
    // dockerd logs a lot of gRPC chatter at info level: keep what explains a failure.
    const tail = (await log())
      .split('\n')
      .filter((l) => l.trim() !== '' && !/level=(info|debug)/.test(l))
      .slice(-30)
      .join('\n');
    await stop(5000);
    throw new Error(
      `second engine under ${dir}: ${(err as Error).message}\ndockerd log (last warnings and errors):\n${tail}`,
      { cause: err },
    );
  }
}

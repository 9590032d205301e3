// Requests/s and p99 of authenticated PUT /set_container_start_values for an unknown host port
// (406) through createApi on @hono/node-server over HTTPS, vs a bare node:https server doing the
// same JSON parse, constant-time secret compare and lookup. Each server runs in its own process;
// the load (fixed number of keep-alive connections, fixed duration) comes from this one.
import { fork } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Hono } from 'hono';
import { PortAllocator } from '@fractal/portbindings';
import { TtyAllocator } from '@fractal/ttys';
import { UserConfigSync } from '@fractal/userconfigs';
import { InMemoryConfigStore } from '@fractal/userconfigs/testing';
import { createMemoryLogger } from '@fractal/logger/testing';
import { createApi } from '../src/api';
import { listenHttps } from '../src/startup/https-server';
import { ContainerManager } from '../src/containers';
import { FakeDockerEngine } from '../test/fake-docker-engine';
import { DrainState } from '../src/ops/drain-state';
import { OpsMetrics } from '../src/ops/ops-metrics';
import { percentile, putJson, selfSignedPems } from './bench-util';

const SECRET = 'bench-secret-0123456789';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 8000);
/** Alternating rounds (hono, floor, bare, hono, ...); the medians are reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BODY = {
  auth_secret: SECRET,
  host_port: 4242,
  dpi: 96,
  user_id: 'user-1',
  client_app_auth_secret: 'cs',
  container_ARN: 'arn',
};

async function serveHono(pems: { key: string; cert: string }): Promise<number> {
  const manager = new ContainerManager({
    docker: new FakeDockerEngine(),
    ports: new PortAllocator({ probe: { isFree: async () => true } }),
    ttys: new TtyAllocator({}),
    devices: { allocate: async () => null },
    sendFds: async () => undefined,
    configs: new UserConfigSync({ store: new InMemoryConfigStore(), pendingDir: '/nonexistent-pending' }),
    logger: createMemoryLogger({ level: 'warn' }).logger,
    fractalDir: '/nonexistent',
    stateDir: '/nonexistent-state',
    containerUid: 1000,
    hasNvidiaRuntime: false,
  });
  // Request logging at info would go to memory here; keep it off as production would at 'info'
  // ship lines asynchronously. Level 'warn' still records the 406s the API logs.
  // As the daemon runs it: drain switch and the metrics registry counting every request.
  const logger = createMemoryLogger({ level: 'error' }).logger;
  const drain = new DrainState(logger);
  const app = createApi({
    manager,
    appEnv: 'production',
    webserverAuthSecret: SECRET,
    logger,
    drain,
    observer: new OpsMetrics(() => drain.draining),
  });
  return (await listenHttps({ fetch: app.fetch, ...pems, port: 0, host: '127.0.0.1' })).port;
}

/** The floor: Hono on node-server reading the JSON body and answering 406, nothing else. */
async function serveHonoFloor(pems: { key: string; cert: string }): Promise<number> {
  const app = new Hono().put('/set_container_start_values', async (c) => {
    await c.req.json();
    return c.json({ result: '', error: 'no container' }, 406);
  });
  return (await listenHttps({ fetch: app.fetch, ...pems, port: 0, host: '127.0.0.1' })).port;
}

async function serveBare(pems: { key: string; cert: string }): Promise<number> {
  const expected = Buffer.from(SECRET);
  const containers = new Map<number, unknown>();
  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const server = https.createServer(pems, (req, res) => {
    if (req.url !== '/set_container_start_values')
      return send(res, 404, { result: '', error: 'unknown path' });
    if (req.method !== 'PUT') return send(res, 400, { result: '', error: 'use PUT' });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
      } catch {
        return send(res, 400, { result: '', error: 'not JSON' });
      }
      const given = Buffer.from(String(body.auth_secret ?? ''));
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return send(res, 401, { result: '', error: 'auth' });
      if (!Number.isInteger(body.host_port)) return send(res, 400, { result: '', error: 'host_port' });
      if (!containers.has(body.host_port as number))
        return send(res, 406, {
          result: '',
          error: `no container is identified by host port ${body.host_port}`,
        });
      return send(res, 200, { result: 'ok' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

async function load(port: number): Promise<{ rps: number; p99: number; n: number }> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies: number[] = [];
  const end = performance.now() + DURATION_MS;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const t = performance.now();
      const res = await putJson(agent, port, '/set_container_start_values', BODY);
      if (res.status !== 406) throw new Error(`expected 406, got ${res.status}: ${res.text}`);
      latencies.push(performance.now() - t);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const elapsed = performance.now() - started;
  agent.destroy();
  return { rps: (latencies.length / elapsed) * 1000, p99: percentile(latencies, 99), n: latencies.length };
}

async function runServer(kind: string): Promise<void> {
  const pems = JSON.parse(process.env.BENCH_PEMS ?? '{}') as { key: string; cert: string };
  const port =
    kind === 'hono'
      ? await serveHono(pems)
      : kind === 'hono-floor'
        ? await serveHonoFloor(pems)
        : await serveBare(pems);
  process.send?.({ port });
}

async function measure(
  kind: 'hono' | 'hono-floor' | 'bare',
  pems: { key: string; cert: string },
): Promise<{ rps: number; p99: number; n: number }> {
  const child = fork(__filename, ['serve', kind], {
    execArgv: ['-r', 'ts-node/register/transpile-only', '-r', join(__dirname, 'register-libs.js')],
    env: {
      ...process.env,
      TS_NODE_PROJECT: join(__dirname, '../tsconfig.spec.json'),
      BENCH_PEMS: JSON.stringify(pems),
    },
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m: { port: number }) => resolve(m.port));
      child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
    });
    await load(port).catch(() => undefined); // warm-up: JIT, TLS session setup
    return await load(port);
  } finally {
    child.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  const pems = await selfSignedPems();
  const rounds: Record<'hono' | 'hono-floor' | 'bare', { rps: number; p99: number; n: number }[]> = {
    hono: [],
    'hono-floor': [],
    bare: [],
  };
  const ratios: number[] = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    for (const kind of ['hono', 'hono-floor', 'bare'] as const) rounds[kind].push(await measure(kind, pems));
    ratios.push(rounds.hono[i].rps / rounds.bare[i].rps);
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = (kind: keyof typeof rounds) => ({
    rps: median(rounds[kind].map((r) => r.rps)),
    p99: median(rounds[kind].map((r) => r.p99)),
    n: rounds[kind].reduce((sum, r) => sum + r.n, 0),
  });
  const [hono, floor, bare] = [summary('hono'), summary('hono-floor'), summary('bare')];
  console.log(
    `medians of ${ROUNDS} alternating rounds; per-round req/s ratios ${ratios.map((r) => r.toFixed(3)).join(' ')}`,
  );
  console.log(
    `createApi (Hono, HTTPS): ${hono.rps.toFixed(0)} req/s, p99 ${hono.p99.toFixed(2)} ms (n=${hono.n}, ${CONNECTIONS} connections, ${DURATION_MS} ms)`,
  );
  console.log(
    `Hono floor (parse + 406 only): ${floor.rps.toFixed(0)} req/s, p99 ${floor.p99.toFixed(2)} ms (n=${floor.n})`,
  );
  console.log(
    `bare node:https:         ${bare.rps.toFixed(0)} req/s, p99 ${bare.p99.toFixed(2)} ms (n=${bare.n})`,
  );
  console.log(
    `ratio req/s ${median(ratios).toFixed(3)} (median of per-round ratios; goal >= 0.8); p99 ratio ${(hono.p99 / bare.p99).toFixed(3)}`,
  );
}

if (process.argv[2] === 'serve') {
  runServer(process.argv[3]).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}

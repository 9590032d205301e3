// PUT /spin_up_container as the webserver makes it (a new HTTPS connection per request, full TLS
// handshake) vs a bare dockerode create+start of an equivalent container (same binds, caps, ports,
// no devices), interleaved rounds, sequential and 10 concurrent; plus where the daemon's time goes.
// BENCH_ROUNDS (default 3) rounds of: 5 sequential pairs, one batch of 10 each side.
// BENCH_SPINUP_SLOTS overrides the daemon's spinUpSlots (concurrent create+starts, default 2).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Dockerode from 'dockerode';
import { PortAllocator, createBindingProbe } from '@fractal/portbindings';
import { TtyAllocator } from '@fractal/ttys';
import { sendFds } from '@fractal/uinput';
import { LocalDirConfigStore, UserConfigSync } from '@fractal/userconfigs';
import { createMemoryLogger } from '@fractal/logger/testing';
import { createApi } from '../src/api';
import { listenHttps } from '../src/startup/https-server';
import {
  CONTAINER_PORTS,
  ContainerManager,
  DockerodeEngine,
  FRACTAL_ID_PLACEHOLDER,
  spinUpTemplate,
} from '../src/containers';
import { median, percentile, selfSignedPems } from './bench-util';
import { putFresh } from './fresh-https';
import { removeLabelled } from '@tools/testing';

const IMAGE = 'fractal/test-protocol:latest';
const RUN = `host-service-bench-${process.pid}`;
const LABEL = { 'fractal.test': RUN };
const SECRET = 'bench-secret-0123456789';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SEQUENTIAL = 5;
const BATCH = 10;
const docker = new Dockerode();

type Mode = 'sequential' | 'concurrent10';
const samples = {
  sequential: newSamples(),
  concurrent10: newSamples(),
};
function newSamples(): Record<'api' | 'raw' | 'rawCreate' | 'rawStart' | 'tls', number[]> {
  return { api: [], raw: [], rawCreate: [], rawStart: [], tls: [] };
}
const phases: Record<Mode, Record<string, number[]>> = { sequential: {}, concurrent10: {} };
let mode: Mode = 'sequential';

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'hs-bench-'));
  const fractalDir = join(root, 'fractal');
  await mkdir(fractalDir);
  execFileSync('mount', ['--bind', fractalDir, fractalDir]);
  execFileSync('mount', ['--make-rshared', fractalDir]);
  const manager = new ContainerManager({
    docker: new DockerodeEngine(docker),
    stateDir: join(root, 'private', 'containers'),
    ports: new PortAllocator({ minPort: 47000, maxPort: 47999, probe: createBindingProbe() }),
    ttys: new TtyAllocator({}),
    devices: { allocate: async () => null },
    sendFds,
    configs: new UserConfigSync({
      store: new LocalDirConfigStore(join(root, 'store')),
      pendingDir: join(root, 'pending'),
    }),
    logger: createMemoryLogger({ level: 'warn' }).logger,
    fractalDir,
    containerUid: 1000,
    hasNvidiaRuntime: false,
    extraLabels: LABEL,
    ...(process.env.BENCH_SPINUP_SLOTS ? { spinUpSlots: Number(process.env.BENCH_SPINUP_SLOTS) } : {}),
    onPhase: (phase, ms) => (phases[mode][phase] ??= []).push(ms),
  });
  await manager.start();
  const app = createApi({
    manager,
    appEnv: 'localdev',
    webserverAuthSecret: SECRET,
    logger: createMemoryLogger({ level: 'warn' }).logger,
  });
  const server = await listenHttps({
    fetch: app.fetch,
    ...(await selfSignedPems()),
    port: 0,
    host: '127.0.0.1',
  });

  const viaApi = async (): Promise<void> => {
    const res = await putFresh(server.port, '/spin_up_container', {
      auth_secret: SECRET,
      app_name: 'bench',
      app_image: IMAGE,
      mount_command: '',
      protocol_timeout: 60,
    });
    if (res.status !== 200) throw new Error(`spin_up_container answered ${res.status}: ${res.text}`);
    samples[mode].api.push(res.totalMs);
    samples[mode].tls.push(res.handshakeMs);
  };
  let n = 0;
  const rawPorts = new PortAllocator({ minPort: 48000, maxPort: 48999, probe: createBindingProbe() });
  const viaDockerode = async (): Promise<void> => {
    n += 1;
    // The dirs the daemon makes (outside the timing: the daemon's own are in its breakdown).
    const raw = join(fractalDir, 'raw');
    await mkdir(join(raw, String(n), 'containerResourceMappings'), { recursive: true });
    await mkdir(join(raw, String(n), 'userConfigs', 'unpacked_configs'), { recursive: true });
    await mkdir(join(raw, 'temp', String(n), 'sockets'), { recursive: true });
    const template = spinUpTemplate({
      appName: 'bench',
      image: IMAGE,
      fractalDir: raw,
      binds: [],
      hasNvidiaRuntime: false,
    });
    const options = JSON.parse(
      JSON.stringify(template).split(FRACTAL_ID_PLACEHOLDER).join(String(n)),
    ) as typeof template;
    options.Labels = { ...LABEL };
    // Explicit, probed host ports, as the daemon gives (outside the timing; the daemon's own
    // allocation and probes are in its breakdown). Its range is 47000-47999.
    const got = await rawPorts.allocate(
      `raw${n}`,
      CONTAINER_PORTS.map((p) => ({ ...p, hostPort: 0 })),
    );
    const hc = (options.HostConfig ??= {});
    hc.PortBindings = Object.fromEntries(
      got.map((p) => [`${p.containerPort}/${p.protocol}`, [{ HostPort: String(p.hostPort) }]]),
    );
    const t = performance.now();
    const c = await docker.createContainer(options);
    const created = performance.now();
    await c.start();
    const done = performance.now();
    samples[mode].raw.push(done - t);
    samples[mode].rawCreate.push(created - t);
    samples[mode].rawStart.push(done - created);
  };
  const settle = async (): Promise<void> => {
    await removeLabelled(docker, `fractal.test=${RUN}`);
    for (let i = 1; i <= n; i += 1) rawPorts.free(`raw${i}`);
    const end = Date.now() + 30_000;
    while (manager.size() > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  };

  try {
    await viaApi(); // warm-up (image, JIT), not counted
    await viaDockerode();
    await settle();
    samples.sequential = newSamples();
    phases.sequential = {};
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = round % 2 ? [viaDockerode, viaApi] : [viaApi, viaDockerode];
      mode = 'sequential';
      for (let i = 0; i < SEQUENTIAL; i += 1) for (const run of order) await run();
      await settle();
      mode = 'concurrent10';
      for (const run of order) {
        await Promise.all(Array.from({ length: BATCH }, run));
        await settle();
      }
    }
    report();
  } finally {
    await server.close(1_000);
    await manager.shutdown();
    await removeLabelled(docker, `fractal.test=${RUN}`);
    execFileSync('umount', ['-l', fractalDir]);
    await rm(root, { recursive: true, force: true });
  }
}

function report(): void {
  const goal: Record<Mode, number> = { sequential: 1.1, concurrent10: 1.0 };
  for (const m of ['sequential', 'concurrent10'] as const) {
    const s = samples[m];
    const api = median(s.api);
    const raw = median(s.raw);
    console.log(
      `${m}: PUT /spin_up_container (new HTTPS connection each) median ${api.toFixed(1)} ms (n=${s.api.length}); ` +
        `dockerode create+start median ${raw.toFixed(1)} ms (n=${s.raw.length}); ratio ${(api / raw).toFixed(3)} (goal <= ${goal[m]})`,
    );
    const p = phases[m];
    const total = median(p.total ?? []);
    const parts = Object.keys(p)
      .filter((k) => k !== 'total')
      .map((k) => `${k} ${median(p[k]).toFixed(1)}`);
    console.log(
      `  breakdown (medians, ms; resources of one group overlap): TCP+TLS handshake ${median(s.tls).toFixed(1)}; ` +
        `HTTP+validation+reply outside the manager ${(api - total).toFixed(1)}; manager spin-up ${total.toFixed(1)} = ${parts.join('; ')}`,
    );
    console.log(
      `  raw side (medians, ms): create ${median(s.rawCreate).toFixed(1)}; start ${median(s.rawStart).toFixed(1)}`,
    );
    const spread = (xs: number[]): string => [10, 50, 90].map((q) => percentile(xs, q).toFixed(0)).join('/');
    console.log(`  p10/p50/p90 ms: API ${spread(s.api)}; raw ${spread(s.raw)}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

// PUT /spin_up_container end to end (HTTPS, validation, ports, dirs, files, create, start) vs a
// bare dockerode create+start of the same container config, sequential and 10 concurrent.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
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
import { ContainerManager, DockerodeEngine, FRACTAL_ID_PLACEHOLDER, spinUpTemplate } from '../src/containers';
import { median, putJson, selfSignedPems } from './bench-util';
import { removeLabelled } from '../src/testing-support/remove-labelled';

const IMAGE = 'fractal/test-protocol:latest';
const LABEL = { 'fractal.test': 'host-service-bench' };
const SECRET = 'bench-secret-0123456789';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const docker = new Dockerode();

async function removeBenchContainers(): Promise<void> {
  await removeLabelled(docker, 'fractal.test=host-service-bench');
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'hs-bench-'));
  const fractalDir = join(root, 'fractal');
  await mkdir(fractalDir);
  execFileSync('mount', ['--bind', fractalDir, fractalDir]);
  execFileSync('mount', ['--make-rshared', fractalDir]);
  const manager = new ContainerManager({
    docker: new DockerodeEngine(docker),
    stateDir: join(root, 'private', 'containers'),
    ports: new PortAllocator({ minPort: 43000, maxPort: 43999, probe: createBindingProbe() }),
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
  const port = server.port;
  const agent = new https.Agent({ keepAlive: true, maxSockets: 16 });

  const viaApi = async (): Promise<number> => {
    const t = performance.now();
    const res = await putJson(agent, port, '/spin_up_container', {
      auth_secret: SECRET,
      app_name: 'bench',
      app_image: IMAGE,
      mount_command: '',
      protocol_timeout: 60,
    });
    if (res.status !== 200) throw new Error(`spin_up_container answered ${res.status}: ${res.text}`);
    return performance.now() - t;
  };
  let n = 0;
  const viaDockerode = async (): Promise<number> => {
    n += 1;
    // Same dirs and body the daemon would make, under the shared FRACTAL_DIR (rshared needs a shared mount).
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
    options.Labels = LABEL;
    const t = performance.now();
    const c = await docker.createContainer(options);
    await c.start();
    return performance.now() - t;
  };

  const results: Record<string, { api: number[]; raw: number[] }> = {
    sequential: { api: [], raw: [] },
    concurrent10: { api: [], raw: [] },
  };
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [mode, batch] of [
        ['sequential', 1],
        ['concurrent10', 10],
      ] as const) {
        for (const kind of ['api', 'raw'] as const) {
          const run = kind === 'api' ? viaApi : viaDockerode;
          for (let i = 0; i < (batch === 1 ? 5 : 1); i += 1) {
            results[mode][kind].push(...(await Promise.all(Array.from({ length: batch }, run))));
          }
          await removeBenchContainers();
          const end = Date.now() + 30_000;
          while (manager.size() > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
    for (const [mode, r] of Object.entries(results)) {
      const api = median(r.api);
      const raw = median(r.raw);
      console.log(
        `${mode}: PUT /spin_up_container median ${api.toFixed(1)} ms (n=${r.api.length}); dockerode create+start median ${raw.toFixed(1)} ms (n=${r.raw.length}); ratio ${(api / raw).toFixed(3)} (goal <= 1.2)`,
      );
    }
  } finally {
    agent.destroy();
    await server.close(1_000);
    await manager.shutdown();
    await removeBenchContainers();
    execFileSync('umount', ['-l', fractalDir]);
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

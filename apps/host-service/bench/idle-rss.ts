/**
 * Resident memory of the built daemon (dist/apps/host-service/main.js, localdev, as root): idle,
 * and with 20 tracked containers of the test image (started, given start values and a token).
 * The alternative it is compared with is a bare `node` process idling in the same run.
 *   npx nx build host-service && npx ts-node --transpile-only -r ./apps/host-service/bench/register-libs.js \
 *     -P apps/host-service/tsconfig.spec.json apps/host-service/bench/idle-rss.ts
 */
import Dockerode from 'dockerode';
import { removeContainers } from '@tools/testing';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, putJson, startDaemon } from '../test/e2e/daemon-process';
import { makeTempRoot, removeTempRoot } from '../test/e2e/temp-root';

const CONTAINERS = Number(process.env.BENCH_CONTAINERS ?? 20);
const SECRET = 'testwebserverauthsecretdev';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
}

/** Median of a few samples a little apart, after letting the process settle. */
async function settledRss(pid: number): Promise<number> {
  await sleep(5000);
  const samples: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    samples.push(await rssKiB(pid));
    await sleep(200);
  }
  return samples.sort((a, b) => a - b)[2];
}

async function main(): Promise<void> {
  const root = await makeTempRoot('bench-rss');
  const docker = new Dockerode();
  const ids: string[] = [];
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => undefined, 1e6)'], { stdio: 'ignore' });
  const port = await freePort();
  const daemon = startDaemon({
    APP_ENV: 'localdev',
    HOST_SERVICE_PORT: String(port),
    HOST_SERVICE_HOST: '127.0.0.1',
    FRACTAL_DIR: join(root, 'fractal'),
    FRACTAL_PRIVATE_DIR: join(root, 'private'),
    UINPUT: 'off',
  });
  try {
    await daemon.waitForLog('host service ready');
    const pid = daemon.child.pid as number;
    const bareRss = await settledRss(bare.pid as number);
    const idleRss = await settledRss(pid);

    // A few at a time: the bench machine has 2 cores.
    for (let i = 0; i < CONTAINERS; i += 5) {
      await Promise.all(
        Array.from({ length: Math.min(5, CONTAINERS - i) }, async (_, j) => {
          const spun = await putJson(port, '/spin_up_container', {
            auth_secret: SECRET,
            app_name: 'bench',
            app_image: 'fractal/test-protocol:latest',
            mount_command: '',
            protocol_timeout: 60,
          });
          if (spun.status !== 200)
            throw new Error(`spin-up answered ${spun.status}: ${JSON.stringify(spun.body)}`);
          const id = (spun.body as { result: string }).result;
          ids.push(id);
          const info = await docker.getContainer(id).inspect();
          const hostPort = Number(info.NetworkSettings.Ports['32262/tcp']?.[0]?.HostPort);
          const common = { host_port: hostPort, user_id: `bench-${i + j}`, client_app_auth_secret: 's' };
          await putJson(port, '/set_container_start_values', {
            ...common,
            auth_secret: SECRET,
            dpi: 96,
            container_ARN: '',
          });
          await putJson(port, '/set_config_encryption_token', { ...common, config_encryption_token: 't' });
        }),
      );
    }
    const busyRss = await settledRss(pid);

    const mib = (kib: number): string => `${(kib / 1024).toFixed(1)} MiB`;
    console.log(`bare node process (idle):              ${mib(bareRss)}`);
    console.log(
      `host service, idle:                    ${mib(idleRss)}  (${(idleRss / bareRss).toFixed(2)}x bare node)`,
    );
    console.log(
      `host service, ${CONTAINERS} tracked containers:     ${mib(busyRss)}  (${(busyRss / idleRss).toFixed(2)}x idle, ` +
        `+${((busyRss - idleRss) / CONTAINERS).toFixed(0)} KiB per container)`,
    );
  } finally {
    daemon.child.kill('SIGTERM');
    const timeout = new Promise<string>((r) => setTimeout(r, 120_000, 'timeout').unref());
    const code = await Promise.race([daemon.exited, timeout]);
    if (code !== 0) console.log(`daemon exit: ${String(code)}`);
    await daemon.kill();
    bare.kill();
    await removeContainers(docker, ids);
    await removeTempRoot(root);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

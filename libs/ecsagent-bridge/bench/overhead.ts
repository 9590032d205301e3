// Overhead of the Docker interposer: container create+start and a 100 MB `docker logs` read,
// through the interposer vs straight to the engine, alternating, several rounds.
// Run: npx nx run ecsagent-bridge:bench
import Dockerode from 'dockerode';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerInterposer } from '../src/interposer';
import { RecordingCreateHook } from '../src/testing';
import { removeLabelled } from '@tools/testing';

const IMAGE = 'fractal/test-protocol:latest';
const LABEL = { 'fractal.test': 'ecsagent-bridge-bench' };
const ROUNDS = Number(process.env['ROUNDS'] ?? 10);
const LOG_BYTES = 100 * 1024 * 1024;

async function createStart(docker: Dockerode): Promise<number> {
  const t = process.hrtime.bigint();
  const c = await docker.createContainer({ Image: IMAGE, Cmd: ['sleep', '60'], Labels: LABEL });
  await c.start();
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  await c.remove({ force: true });
  return ms;
}

async function readLogs(docker: Dockerode, id: string): Promise<number> {
  const t = process.hrtime.bigint();
  const stream = (await docker
    .getContainer(id)
    .logs({ follow: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    let ended = false;
    stream.on('data', (c: Buffer) => (bytes += c.length));
    stream.on('end', () => {
      ended = true;
      resolve();
    });
    stream.on('close', () => {
      if (!ended) reject(new Error(`log stream of ${id} closed early after ${bytes} bytes`));
    });
    stream.on('error', reject);
  });
  if (bytes < LOG_BYTES) throw new Error(`read only ${bytes} bytes of logs`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'ecsb-bench-'));
  const interposer = new DockerInterposer({
    socketPath: join(dir, 'docker.sock'),
    hook: new RecordingCreateHook(),
  });
  await interposer.start();
  const direct = new Dockerode({ socketPath: '/var/run/docker.sock' });
  const via = new Dockerode({ socketPath: join(dir, 'docker.sock') });
  let logsId: string | undefined;
  try {
    await createStart(direct); // warm-up
    await createStart(via);
    const cs = { direct: [] as number[], via: [] as number[] };
    for (let i = 0; i < ROUNDS; i++) {
      cs.direct.push(await createStart(direct));
      cs.via.push(await createStart(via));
    }
    // 100 MB of 4 KiB lines, written once; both sides read the same log file.
    const logger = await direct.createContainer({
      Image: IMAGE,
      Cmd: ['sh', '-c', `yes "$(head -c 4095 /dev/zero | tr '\\0' a)" | head -c ${LOG_BYTES}`],
      Labels: LABEL,
    });
    logsId = logger.id;
    await logger.start();
    await logger.wait();
    const logs = { direct: [] as number[], via: [] as number[] };
    for (let i = 0; i < Math.max(3, Math.ceil(ROUNDS / 2)); i++) {
      logs.direct.push(await readLogs(direct, logger.id));
      logs.via.push(await readLogs(via, logger.id));
    }
    const line = (name: string, r: { direct: number[]; via: number[] }): void => {
      const d = median(r.direct);
      const v = median(r.via);
      console.log(
        `${name.padEnd(22)} direct ${d.toFixed(1).padStart(8)} ms  via interposer ${v.toFixed(1).padStart(8)} ms  ratio ${(v / d).toFixed(3)}`,
      );
    };
    console.log(`rounds: ${ROUNDS} (medians)`);
    line('create+start', cs);
    line('docker logs 100 MB', logs);
  } finally {
    if (logsId)
      await direct
        .getContainer(logsId)
        .remove({ force: true })
        .catch(() => undefined);
    await removeLabelled(direct, 'fractal.test=ecsagent-bridge-bench');
    await interposer.shutdown();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

// Session-start restore of a 250 MB config tree stored in s3rver: from PUT
// /set_config_encryption_token to `.ready` through the built daemon (S3 body streamed straight
// into decrypt, LZ4 and tar), vs the Go service's pipeline in the same run: download the object
// to a file, then `openssl enc -d | tar -I lz4 -x`. BENCH_MB (default 250), BENCH_ROUNDS
// (default 3); each measured run starts after `sync` with the daemon idle, the side that goes
// first alternates, medians are compared; the daemon's peak RSS is printed too.
// BENCH_NODE_FLAGS=none starts the daemon without its NODE_FLAGS, BENCH_NODE_FLAGS='--a --b' with
// exactly those (to see what each buys); BENCH_TRACE_GC=1 adds --trace-gc and prints the
// mark-compacts and scavenges of each timed restore.
// Needs the built daemon and the test image.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import Dockerode from 'dockerode';
import { packConfigArchive } from '@fractal/userconfigs';
import { S3ConfigStore } from '@fractal/userconfigs/s3';
import { freePort, putJson } from '../test/e2e/daemon-process';
import { BUCKET, removeContainers, startS3, startSettingsDaemon } from '../test/e2e/settings-sessions';
import { NODE_FLAGS } from '../src/config/node-flags';
import { median } from './bench-util';

const MB = Number(process.env['BENCH_MB'] ?? 250);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const TOKEN = 'bench-token';
const USER = 'bench-user';
const SECRET = 'testwebserverauthsecretdev';
const docker = new Dockerode();
const FLAGS_ENV = process.env['BENCH_NODE_FLAGS'];
const TRACE_GC = process.env['BENCH_TRACE_GC'] === '1';
const DAEMON_FLAGS = [
  ...(FLAGS_ENV === undefined
    ? NODE_FLAGS
    : FLAGS_ENV === 'none'
      ? []
      : FLAGS_ENV.split(/\s+/).filter(Boolean)),
  ...(TRACE_GC ? ['--trace-gc'] : []),
];

/** VmRSS / VmHWM (peak) of a process, in MB. */
function rssMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}

const TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
/** CPU seconds of each timed restore: the daemon's, and this process's (s3rver serving it). */
const cpu: Array<{ daemon: number; s3rver: number }> = [];

/** CPU time a process has used, in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Resolves once `pid` used at most one clock tick of CPU in 250 ms (or after 10 s). */
async function idle(pid: number): Promise<void> {
  for (let i = 0, last = cpuTicks(pid); i < 40; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = cpuTicks(pid);
    if (now - last <= 1) return;
    last = now;
  }
}

function buildTree(root: string): void {
  const line = 'setting.key.' + 'x'.repeat(20) + ' = some configuration value 12345\n';
  for (let written = 0, i = 0; written < MB * 1024 * 1024; i++) {
    const dir = join(root, `dir${i % 20}`, `sub${i % 7}`);
    mkdirSync(dir, { recursive: true });
    const size = i % 10 === 0 ? 8 * 1024 * 1024 : 64 * 1024 + (i % 13) * 4096;
    const data =
      i % 2 === 0
        ? randomBytes(size)
        : Buffer.from(line.repeat(Math.ceil(size / line.length)).slice(0, size));
    writeFileSync(join(dir, `file${i}.${i % 2 === 0 ? 'bin' : 'txt'}`), data);
    written += size;
  }
}

type Daemon = ReturnType<typeof startSettingsDaemon>;

async function throughDaemon(
  daemon: Daemon,
  port: number,
  fractalDir: string,
  containers: string[],
): Promise<number> {
  const spun = await putJson(port, '/spin_up_container', {
    auth_secret: SECRET,
    app_name: 'bench-app',
    app_image: 'fractal/test-protocol:latest',
    mount_command: '',
    protocol_timeout: 600,
  });
  const dockerId = (spun.body as { result: string }).result;
  containers.push(dockerId);
  const info = await docker.getContainer(dockerId).inspect();
  const ready = join(fractalDir, info.Config.Labels['fractal.id'], 'containerResourceMappings', '.ready');
  const common = {
    host_port: Number(info.NetworkSettings.Ports['32262/tcp']?.[0]?.HostPort),
    user_id: USER,
    client_app_auth_secret: 'bench-client',
  };
  await putJson(port, '/set_container_start_values', {
    ...common,
    auth_secret: SECRET,
    dpi: 96,
    container_ARN: '',
  });
  const outputBefore = daemon.output().length;
  const ticksBefore = cpuTicks(daemon.child.pid as number);
  const benchBefore = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const token = await putJson(port, '/set_config_encryption_token', {
    ...common,
    config_encryption_token: TOKEN,
  });
  if (token.status !== 200) throw new Error(`token refused: ${JSON.stringify(token)}`);
  const isReady = (): Promise<boolean> =>
    stat(ready).then(
      () => true,
      () => false,
    );
  // Fail rather than hang when the container went away (e.g. another daemon on the shared engine).
  while (!(await isReady())) {
    if (Number(process.hrtime.bigint() - t0) > 300e9) throw new Error(`no .ready for ${dockerId} in 300 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const bench = process.cpuUsage(benchBefore);
  cpu.push({
    daemon: (cpuTicks(daemon.child.pid as number) - ticksBefore) / TICKS_PER_S,
    s3rver: (bench.user + bench.system) / 1e6,
  });
  // A round counts only if the daemon restored the archive (not "first session", not a failure).
  const outcome = daemon
    .logLines()
    .find((l) => l.msg === 'user config restored' && l.dockerId === dockerId)?.outcome;
  if (TRACE_GC) {
    const gc = daemon
      .output()
      .slice(outputBefore)
      .split('\n')
      .filter((l) => / ms: /.test(l));
    const count = (kind: string): number => gc.filter((l) => l.includes(kind)).length;
    console.log(
      `  GC during the restore: ${count('Mark-Compact')} mark-compacts, ${count('Scavenge')} scavenges`,
    );
  }
  if (outcome !== 'restored') {
    const recent = daemon.logLines().filter((l) => l.dockerId === dockerId || Number(l.level) >= 40);
    throw new Error(
      `the daemon did not restore (${String(outcome)}):\n${recent.map((l) => JSON.stringify(l)).join('\n')}`,
    );
  }
  return seconds;
}

async function goPipeline(store: S3ConfigStore, root: string, round: number): Promise<number> {
  const file = join(root, `go-${round}.tar.lz4.enc`);
  const dst = join(root, `go-dst-${round}`);
  mkdirSync(dst);
  const t0 = process.hrtime.bigint();
  const body = await store.get({ userId: USER, appName: 'bench-app' });
  await pipeline(body as NodeJS.ReadableStream, createWriteStream(file));
  const out = spawnSync('sh', [
    '-c',
    `openssl enc -d -aes-256-cbc -pbkdf2 -pass pass:${TOKEN} -in "${file}" | tar -I lz4 -xf - -C "${dst}"`,
  ]);
  if (out.status !== 0) throw new Error(`go pipeline failed: ${out.stderr.toString()}`);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await rm(file);
  await rm(dst, { recursive: true });
  return s;
}

/** The floor both sides share: the object's bytes out of s3rver, written nowhere. */
async function downloadOnly(store: S3ConfigStore): Promise<number> {
  const t0 = process.hrtime.bigint();
  const body = await store.get({ userId: USER, appName: 'bench-app' });
  await pipeline(body as NodeJS.ReadableStream, createWriteStream('/dev/null'));
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'restore-bench-'));
  const containers: string[] = [];
  const s3 = await startS3(join(root, 's3'));
  let daemon: Daemon | undefined;
  try {
    buildTree(join(root, 'tree'));
    const store = new S3ConfigStore({
      bucket: BUCKET,
      // Seeding 250 MB into s3rver on a loaded machine: allow long silences after each part.
      socketTimeoutMs: 120_000,
      clientConfig: {
        endpoint: `http://127.0.0.1:${s3.port}`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      },
    });
    await store.put({ userId: USER, appName: 'bench-app' }, packConfigArchive(join(root, 'tree'), TOKEN));
    const port = await freePort();
    daemon = startSettingsDaemon(root, 'bench', port, s3.port, DAEMON_FLAGS, {
      // The SDK's default, as on a host. With the tests' single attempt, one failed request to
      // s3rver fails the whole restore: a round of 0.02 s was counted once (its cause not logged);
      // throughDaemon now refuses a round that did not restore.
      AWS_MAX_ATTEMPTS: '3',
    });
    await daemon.waitForLog('host service ready');
    const pid = daemon.child.pid as number;
    const before = rssMb(pid);
    const ours: number[] = [];
    const go: number[] = [];
    const download: number[] = [];
    // Each measured run starts after `sync` and once the daemon is idle, so none pays for the
    // write-back of the one before or for the daemon's after-restore garbage collection; the side
    // that goes first alternates.
    const measure = async <T>(run: () => Promise<T>): Promise<T> => {
      execFileSync('sync');
      await idle(pid);
      return run();
    };
    for (let round = 0; round < ROUNDS; round++) {
      const daemonRun = async (): Promise<void> => {
        ours.push(
          await measure(() => throughDaemon(daemon as Daemon, port, join(root, 'bench-fractal'), containers)),
        );
      };
      const goRun = async (): Promise<void> => {
        go.push(await measure(() => goPipeline(store, root, round)));
      };
      for (const run of round % 2 === 0 ? [daemonRun, goRun] : [goRun, daemonRun]) await run();
      download.push(await measure(() => downloadOnly(store)));
      console.log(
        `round ${round + 1}: daemon ${ours[round].toFixed(2)} s, go pipeline ${go[round].toFixed(2)} s, ` +
          `download alone ${download[round].toFixed(2)} s; CPU of the daemon's restore: daemon ` +
          `${cpu[round].daemon.toFixed(2)} s, s3rver ${cpu[round].s3rver.toFixed(2)} s`,
      );
    }
    const [o, g] = [median(ours), median(go)];
    const after = rssMb(pid);
    console.log(
      `daemon with flags [${DAEMON_FLAGS.join(' ')}]: RSS ${before.rss} MB when ready, ` +
        `peak ${after.peak} MB over the restores (+${after.peak - before.rss} MB), ${after.rss} MB after`,
    );
    console.log(
      `download alone (s3rver → /dev/null, the floor of both sides), median: ${median(download).toFixed(2)} s`,
    );
    console.log(
      `restore ${MB} MB from s3rver, median of ${ROUNDS}: token→.ready through the daemon ${o.toFixed(2)} s, ` +
        `download+openssl|tar -I lz4 ${g.toFixed(2)} s; go/ours = ${(g / o).toFixed(2)}x ` +
        `(load ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')})`,
    );
  } finally {
    await daemon?.kill();
    await removeContainers(docker, containers);
    await s3.server.close();
    for (const m of ['bench-fractal']) spawnSync('umount', ['-l', join(root, m)]);
    execFileSync('rm', ['-rf', '--one-file-system', root]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

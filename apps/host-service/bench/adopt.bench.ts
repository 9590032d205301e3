// Time from start to serving (the daemon's "host service ready" line, after its HTTPS server
// listens) for a daemon that adopts 20 running, ready containers left by a SIGUSR2 detach,
// against a cold start on an empty FRACTAL_DIR, alternating rounds in one run; medians and ratio.
// Needs root, the Docker engine, the test image and the built daemon (nx bench builds it first).
import { performance } from 'node:perf_hooks';
import { RecoveryHost } from '../test/e2e/recovery-kit';
import type { Spun } from '../test/e2e/recovery-kit';
import { makeTempRoot, removeTempRoot } from '../test/e2e/temp-root';
import { median } from './bench-util';

const CONTAINERS = Number(process.env.BENCH_ADOPT_CONTAINERS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

async function timeToServing(host: RecoveryHost): Promise<number> {
  const t = performance.now();
  await host.start();
  return performance.now() - t;
}

async function detach(host: RecoveryHost): Promise<void> {
  host.daemon.child.kill('SIGUSR2');
  const code = await host.daemon.exited;
  if (code !== 0) throw new Error(`detach exited ${code}:\n${host.daemon.output().slice(-2000)}`);
}

async function stop(host: RecoveryHost): Promise<void> {
  host.daemon.child.kill('SIGTERM');
  await host.daemon.exited;
}

async function main(): Promise<void> {
  const adopting = new RecoveryHost(await makeTempRoot('bench-adopt'));
  const hosts: RecoveryHost[] = [adopting];
  try {
    await adopting.start();
    const spun: Spun[] = [];
    for (let i = 0; i < CONTAINERS; i += 1) spun.push(await adopting.spin());
    await Promise.all(spun.map((c, i) => adopting.makeReady(c, `bench-user-${i}`, `tok-${i}`)));
    await detach(adopting);

    const adopt: number[] = [];
    const cold: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      adopt.push(await timeToServing(adopting));
      const recovered = adopting.daemon
        .logLines()
        .find((l) => l.msg === 'containers recovered from the last run');
      if (recovered?.adopted !== CONTAINERS)
        throw new Error(`adopted ${String(recovered?.adopted)} of ${CONTAINERS}`);
      await detach(adopting);

      const fresh = new RecoveryHost(await makeTempRoot('bench-cold'));
      hosts.push(fresh);
      cold.push(await timeToServing(fresh));
      await stop(fresh);
    }
    const a = median(adopt);
    const c = median(cold);
    process.stdout.write(
      `start to serving, ${ROUNDS} alternating rounds: adopting ${CONTAINERS} containers median ${a.toFixed(0)} ms ` +
        `(${adopt.map((x) => x.toFixed(0)).join(', ')}); cold start median ${c.toFixed(0)} ms ` +
        `(${cold.map((x) => x.toFixed(0)).join(', ')}); ratio ${(a / c).toFixed(3)}\n`,
    );
    await adopting.start();
    await stop(adopting);
  } finally {
    for (const h of hosts) {
      await h.cleanup();
      await removeTempRoot(h.root);
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});

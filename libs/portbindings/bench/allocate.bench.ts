/**
 * Rotating free-list allocator vs the seed's strategy (pick a random port, retry up to 100
 * times, then give up), on the same workloads and the same random choices of what to free.
 * Ours is measured through its public async API (validation, owner records, one promise per
 * call); the seed's strategy is a bare synchronous Set lookup, so the time ratio is its best case.
 * Run: npx nx run portbindings:bench
 */
import { mulberry32 } from '@tools/testing';
import { PortAllocator } from '../src/index';

const MIN = 1025;
const MAX = 49150;
const POOL = MAX - MIN + 1;
const CHURN_OPS = 200_000;

interface Strategy {
  name: string;
  /** Resolves to the port, or undefined when the strategy gave up. */
  allocate(owner: string): Promise<number | undefined> | number | undefined;
  free(owner: string, port: number): void;
}

function ours(): Strategy {
  const allocator = new PortAllocator({ minPort: MIN, maxPort: MAX });
  return {
    name: 'rotating free list (ours)',
    async allocate(owner) {
      try {
        const [b] = await allocator.allocate(owner, [{ containerPort: 32263, protocol: 'udp', hostPort: 0 }]);
        return b.hostPort;
      } catch {
        return undefined;
      }
    },
    free: (owner) => void allocator.free(owner),
  };
}

function seedRandom100(random: () => number): Strategy {
  const used = new Set<number>();
  return {
    name: 'random, 100 tries (seed)',
    allocate() {
      for (let i = 0; i < 100; i += 1) {
        const port = MIN + Math.floor(random() * POOL);
        if (!used.has(port)) {
          used.add(port);
          return port;
        }
      }
      return undefined;
    },
    free: (_owner, port) => void used.delete(port),
  };
}

interface Result {
  allocNs: number;
  allocOps: number;
  freeNs: number;
  freeOps: number;
  failures: number;
}

async function fillThenFree(s: Strategy): Promise<Result> {
  const held: Array<[string, number]> = [];
  let failures = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < POOL; i += 1) {
    const port = await s.allocate(`c${i}`);
    if (port === undefined) failures += 1;
    else held.push([`c${i}`, port]);
  }
  const t1 = process.hrtime.bigint();
  for (const [owner, port] of held) s.free(owner, port);
  const t2 = process.hrtime.bigint();
  return {
    allocNs: Number(t1 - t0),
    allocOps: POOL,
    freeNs: Number(t2 - t1),
    freeOps: held.length,
    failures,
  };
}

async function churn(s: Strategy, random: () => number): Promise<Result> {
  const target = Math.floor(POOL * 0.99);
  const live: Array<[string, number]> = [];
  for (let i = 0; live.length < target; i += 1) {
    const port = await s.allocate(`warm${i}`);
    if (port !== undefined) live.push([`warm${i}`, port]);
  }
  let failures = 0;
  let freeOps = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < CHURN_OPS; i += 1) {
    if (live.length >= target) {
      const k = Math.floor(random() * live.length);
      const [owner, port] = live[k];
      live[k] = live[live.length - 1];
      live.pop();
      s.free(owner, port);
      freeOps += 1;
    }
    const port = await s.allocate(`n${i}`);
    if (port === undefined) failures += 1;
    else live.push([`n${i}`, port]);
  }
  const total = Number(process.hrtime.bigint() - t0);
  return { allocNs: total, allocOps: CHURN_OPS + freeOps, freeNs: 0, freeOps: 0, failures };
}

const perOp = (ns: number, ops: number): string => (ops === 0 ? '-' : `${(ns / ops).toFixed(0)} ns`);

function row(workload: string, name: string, r: Result): string {
  return [
    workload.padEnd(28),
    name.padEnd(27),
    perOp(r.allocNs, r.allocOps).padStart(10),
    perOp(r.freeNs, r.freeOps).padStart(9),
    String(r.failures).padStart(9),
  ].join(' ');
}

async function main(): Promise<void> {
  console.log(`pool ${MIN}..${MAX} (${POOL} UDP ports), churn ${CHURN_OPS} allocations at 99% occupancy`);
  console.log(
    [
      'workload'.padEnd(28),
      'strategy'.padEnd(27),
      'alloc/op'.padStart(10),
      'free/op'.padStart(9),
      'failures'.padStart(9),
    ].join(' '),
  );
  // One untimed round each so both are measured after the JIT has warmed up.
  await fillThenFree(ours());
  await fillThenFree(seedRandom100(mulberry32(9)));
  const fillOurs = await fillThenFree(ours());
  const fillSeed = await fillThenFree(seedRandom100(mulberry32(1)));
  console.log(row('fill whole pool, free all', 'rotating free list (ours)', fillOurs));
  console.log(row('', 'random, 100 tries (seed)', fillSeed));
  const churnOurs = await churn(ours(), mulberry32(2));
  const churnSeed = await churn(seedRandom100(mulberry32(3)), mulberry32(2));
  console.log(row('churn at 99% (free+alloc)', 'rotating free list (ours)', churnOurs));
  console.log(row('', 'random, 100 tries (seed)', churnSeed));
  const ratio = (seed: Result, our: Result): string =>
    (seed.allocNs / seed.allocOps / (our.allocNs / our.allocOps)).toFixed(2);
  console.log(
    `time/op ratio seed/ours: fill ${ratio(fillSeed, fillOurs)}x, churn ${ratio(churnSeed, churnOurs)}x (>1 means ours is faster)`,
  );
  console.log(
    `failures: fill ${fillOurs.failures} (ours) vs ${fillSeed.failures} (seed); churn ${churnOurs.failures} (ours) vs ${churnSeed.failures} (seed)`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

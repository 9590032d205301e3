// One measured run of each side, each in its own process: ours in a fresh `node` on the esbuild
// bundle of the codec (as the daemon ships it), the CLI pipeline under bash with every stage
// wrapped in GNU time for its CPU seconds and peak RSS.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Run {
  /** Wall seconds. */
  s: number;
  /** CPU seconds, user + system, all threads / all pipeline processes. */
  cpu: number;
  /** Peak RSS in MB: ours the process's, the CLI's the sum of its stages' peaks. */
  rssMB: number;
  /** Ours only: peak RSS over the process's RSS once its modules were loaded. */
  growthMB: number;
}

// The child times only the call (the daemon is long-running: node start-up is not paid per
// restore); maxRSS is the process's lifetime peak, workers included.
const CHILD = `
const { createReadStream, createWriteStream } = require('node:fs');
const { pipeline } = require('node:stream/promises');
const lib = require(process.env.LIB);
// --lz4 worker: the internal entry points with the bundled worker beside the codec; else the
// public options with lz4: native | js.
const worker = process.env.LZ4 === 'worker' && require('node:path').join(require('node:path').dirname(process.env.LIB), 'config-codec-worker.js');
const options = worker ? {} : { lz4: process.env.LZ4 };
const base = process.memoryUsage().rss;
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
(async () => {
  if (process.env.MODE === 'pack') {
    await pipeline(lib.packArchive(process.env.SRC, process.env.TOKEN, options, worker), createWriteStream(process.env.ARCHIVE));
  } else {
    // 1 MiB reads, as LocalDirConfigStore reads archives.
    await lib.unpackArchive(createReadStream(process.env.ARCHIVE, { highWaterMark: 1 << 20 }), process.env.TOKEN, process.env.DST, options, worker);
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  const peak = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ s, cpu: (cpu.user + cpu.system) / 1e6, rssMB: peak / 1048576, growthMB: (peak - base) / 1048576 }));
})().catch((e) => { console.error(e); process.exit(1); });`;

export function writeChild(dir: string): string {
  const path = join(dir, 'bench-child.js');
  writeFileSync(path, CHILD);
  return path;
}

export function ours(child: string, env: Record<string, string>): Run {
  const r = spawnSync(process.execPath, [child], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ours ${env['MODE']} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Run;
}

/** Runs `stages` joined by pipes, each under `/usr/bin/time` writing "<user> <sys> <maxrss KB>". */
export function cli(work: string, stages: string[], redirect: string, env: Record<string, string>): Run {
  const files = stages.map((_, i) => join(work, `time-${i}`));
  const script = stages.map((st, i) => `/usr/bin/time -f '%U %S %M' -o '${files[i]}' ${st}`).join(' | ');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', `${script} ${redirect}`], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`cli failed: ${r.stderr}`);
  let cpu = 0;
  let rssKB = 0;
  for (const f of files) {
    const lines = readFileSync(f, 'utf8').trim().split('\n');
    const [u, sys, m] = lines[lines.length - 1].split(' ').map(Number);
    cpu += u + sys;
    rssKB += m;
  }
  return { s, cpu, rssMB: rssKB / 1024, growthMB: NaN };
}

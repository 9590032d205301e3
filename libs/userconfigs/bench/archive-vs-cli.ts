// Pack+encrypt and decrypt+unpack with this library vs `tar -I lz4 | openssl enc`, on a generated
// tree of mixed text and incompressible files. BENCH_MB sets the tree size (default 250; 1024 for
// the memory-bound check). Each of our runs happens in a child process that samples its own RSS.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const MB = Number(process.env['BENCH_MB'] ?? 250);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const TOKEN = 'bench-token';

function buildTree(root: string): void {
  let written = 0;
  let i = 0;
  const line = 'setting.key.' + 'x'.repeat(20) + ' = some configuration value 12345\n';
  while (written < MB * 1024 * 1024) {
    const dir = join(root, `dir${i % 20}`, `sub${i % 7}`);
    mkdirSync(dir, { recursive: true });
    const size = i % 10 === 0 ? 8 * 1024 * 1024 : 64 * 1024 + (i % 13) * 4096;
    const data =
      i % 2 === 0
        ? randomBytes(size)
        : Buffer.from(line.repeat(Math.ceil(size / line.length)).slice(0, size));
    writeFileSync(join(dir, `file${i}.${i % 2 === 0 ? 'bin' : 'txt'}`), data);
    written += size;
    i++;
  }
}

function time(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

// The child measures its RSS growth over its own baseline (after loading modules).
const CHILD = `
const { createReadStream, createWriteStream } = require('node:fs');
const { pipeline } = require('node:stream/promises');
const lib = require(process.env.LIB);
const base = process.memoryUsage().rss; let peak = base; const t0 = process.hrtime.bigint(); const c0 = process.cpuUsage();
const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
(async () => {
  if (process.env.MODE === 'pack') await pipeline(lib.packConfigArchive(process.env.SRC, process.env.TOKEN), createWriteStream(process.env.ARCHIVE));
  // 1 MiB reads, as LocalDirConfigStore reads archives.
  else await lib.unpackConfigArchive(createReadStream(process.env.ARCHIVE, { highWaterMark: 1 << 20 }), process.env.TOKEN, process.env.DST);
  clearInterval(timer); peak = Math.max(peak, process.memoryUsage().rss);
  const cpu = process.cpuUsage(c0);
  process.stdout.write(JSON.stringify({ growthMB: (peak - base) / 1048576, inner: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (cpu.user + cpu.system) / 1e6 }));
})().catch((e) => { console.error(e); process.exit(1); });`;

interface Run {
  s: number;
  cpu: number;
  growthMB: number;
}

function ours(mode: 'pack' | 'unpack', env: Record<string, string>): Run {
  let out = '';
  time(() => {
    const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', CHILD], {
      env: {
        ...process.env,
        ...env,
        MODE: mode,
        TOKEN,
        LIB: join(__dirname, '../src/index.ts'),
        TS_NODE_PROJECT: join(__dirname, '../tsconfig.spec.json'),
      },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(r.stderr);
    out = r.stdout;
  });
  // Time measured inside the child, so node and ts-node start-up are not counted.
  const parsed = JSON.parse(out) as { growthMB: number; inner: number; cpu: number };
  return { s: parsed.inner, cpu: parsed.cpu, growthMB: parsed.growthMB };
}

/** Wall time, and the CPU time of the pipeline's processes (bash's `times`: children's user+sys). */
function cli(script: string, env: Record<string, string>): Run {
  let out = '';
  const s = time(() => {
    out = execFileSync('bash', ['-euo', 'pipefail', '-c', `${script}\ntimes`], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
  });
  const children = out.trim().split('\n').pop() ?? '';
  const cpu = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
    (sum, m) => sum + Number(m[1]) * 60 + Number(m[2]),
    0,
  );
  return { s, cpu, growthMB: 0 };
}

const fmt = (r: Run): string => `${r.s.toFixed(2)}s (cpu ${r.cpu.toFixed(2)}s)`;
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const work = mkdtempSync(join(tmpdir(), 'userconfigs-bench-'));
try {
  const src = join(work, 'src');
  buildTree(src);
  console.log(`tree: ${MB} MB (half random, half text), ${ROUNDS} rounds, node ${process.version}`);
  console.log(`load average before: ${load()} (${cpus().length} CPUs)`);
  const rows: string[] = [];
  const runs: Record<'oursPack' | 'cliPack' | 'oursUnpack' | 'cliUnpack', Run[]> = {
    oursPack: [],
    cliPack: [],
    oursUnpack: [],
    cliUnpack: [],
  };
  for (let r = 0; r < ROUNDS; r++) {
    const a1 = join(work, 'ours.enc');
    const a2 = join(work, 'cli.enc');
    const p = ours('pack', { SRC: src, ARCHIVE: a1 });
    const cp = cli(
      `tar -C "$SRC" -I lz4 -cf - . | openssl aes-256-cbc -e -pbkdf2 -pass pass:${TOKEN} > "$A"`,
      { SRC: src, A: a2 },
    );
    rmSync(join(work, 'd1'), { recursive: true, force: true });
    rmSync(join(work, 'd2'), { recursive: true, force: true });
    mkdirSync(join(work, 'd2'));
    const u = ours('unpack', { ARCHIVE: a1, DST: join(work, 'd1') });
    const cu = cli(`openssl aes-256-cbc -d -pbkdf2 -pass pass:${TOKEN} -in "$A" | tar -C "$D" -I lz4 -xf -`, {
      A: a2,
      D: join(work, 'd2'),
    });
    runs.oursPack.push(p);
    runs.cliPack.push(cp);
    runs.oursUnpack.push(u);
    runs.cliUnpack.push(cu);
    rows.push(
      `round ${r + 1}: pack ours ${fmt(p)} cli ${fmt(cp)} | unpack ours ${fmt(u)} cli ${fmt(cu)} | RSS growth pack ${p.growthMB.toFixed(0)} MB unpack ${u.growthMB.toFixed(0)} MB`,
    );
  }
  rows.forEach((row) => console.log(row));
  const best = (rs: Run[], key: 's' | 'cpu'): number => Math.min(...rs.map((r) => r[key]));
  for (const [what, o, c] of [
    ['pack+encrypt:  ', runs.oursPack, runs.cliPack],
    ['decrypt+unpack:', runs.oursUnpack, runs.cliUnpack],
  ] as const) {
    console.log(
      `best ${what} ours ${best(o, 's').toFixed(2)}s, cli ${best(c, 's').toFixed(2)}s, cli/ours ${(best(c, 's') / best(o, 's')).toFixed(2)}x | CPU ours ${best(o, 'cpu').toFixed(2)}s, cli ${best(c, 'cpu').toFixed(2)}s`,
    );
  }
  const peak = (rs: Run[]): string => Math.max(...rs.map((r) => r.growthMB)).toFixed(0);
  console.log(
    `peak RSS growth (ours, over the child's baseline): pack ${peak(runs.oursPack)} MB, unpack ${peak(runs.oursUnpack)} MB`,
  );
  console.log(`load average after: ${load()}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

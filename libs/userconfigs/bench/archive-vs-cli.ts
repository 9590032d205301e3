// Pack and unpack with this library vs `tar -I lz4 | openssl enc -aes-256-cbc -pbkdf2`, on tree
// shapes users have, each side in its own process, alternating which goes first, medians over the
// rounds. Also cross-decoding: ours restores the CLI's archive, the CLI extracts ours.
//   --size MB      contents per shape (default $BENCH_MB or 200; 1024 for the memory check)
//   --rounds N     alternating rounds (default $BENCH_ROUNDS or 5)
//   --shapes a,b   browser, mixed, media (default all)
//   --lz4 E        ours with LZ4 by: native (liblz4 through koffi on the thread pool, the default
//                  where it loads), js (TypeScript, on the main thread), worker (TypeScript on a
//                  worker thread: internal packArchive / unpackArchive)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { buildShape, SHAPES, type ShapeName } from './shapes';
import { cli, ours, writeChild, type Run } from './sides';

const TOKEN = 'bench-token';

function arg(name: string, fallback: string): string {
  const argv = process.argv.slice(2);
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  return argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
}

const SIZE = Number(arg('size', process.env['BENCH_MB'] ?? '200'));
const ROUNDS = Number(arg('rounds', process.env['BENCH_ROUNDS'] ?? '5'));
const shapes = arg('shapes', Object.keys(SHAPES).join(',')).split(',') as ShapeName[];
for (const s of shapes) if (!(s in SHAPES)) throw new Error(`unknown shape ${s}; use ${Object.keys(SHAPES)}`);
if (!(SIZE > 0) || !(ROUNDS > 0)) throw new Error('--size and --rounds must be positive numbers');

/** The codec bundled as the daemon ships it: one file, the worker entry next to it. */
function bundle(out: string): string {
  const src = join(__dirname, '../src/archive');
  const entryPoints = [join(src, 'config-archive.ts')];
  const worker = join(src, 'config-codec-worker.ts');
  if (existsSync(worker)) entryPoints.push(worker);
  // koffi stays out of the bundle, as in the daemon's (a native module); the children find it
  // through NODE_PATH.
  buildSync({
    entryPoints,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outdir: out,
    logLevel: 'warning',
    external: ['koffi'],
  });
  process.env['NODE_PATH'] = join(__dirname, '../../../node_modules');
  return join(out, 'config-archive.js');
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

type Op = 'pack' | 'unpack' | 'cross';
const OPS: Record<Op, string> = {
  pack: 'pack',
  unpack: 'unpack own archive',
  cross: 'unpack the other side’s',
};

const work = mkdtempSync(join(tmpdir(), 'userconfigs-bench-'));
try {
  const lib = bundle(join(work, 'lib'));
  const child = writeChild(work);
  const fresh = (name: string, make = false): string => {
    const d = join(work, name);
    rmSync(d, { recursive: true, force: true });
    if (make) mkdirSync(d);
    return d;
  };
  // Dirty pages of the last run are written back before the next one starts its clock.
  const settle = (): void => void execFileSync('sync');
  const rows: string[] = [];
  const LZ4 = arg('lz4', 'native');
  const ENGINES: Record<string, string> = {
    native: 'LZ4 by liblz4 (koffi) on the thread pool',
    js: 'TypeScript LZ4 on the main thread',
    worker: 'TypeScript LZ4 on a worker thread',
  };
  const threads = ENGINES[LZ4];
  if (!threads) throw new Error(`unknown --lz4 ${LZ4}; use ${Object.keys(ENGINES)}`);
  console.log(
    `${SIZE} MB per shape, ${ROUNDS} rounds, ours: ${threads}, node ${process.version}, ${cpus().length} CPUs`,
  );
  console.log(`load average before: ${load()}`);
  for (const shape of shapes) {
    const src = fresh(`src-${shape}`);
    const files = buildShape(shape, src, SIZE);
    console.log(`${shape}: ${files} files (${SHAPES[shape]})`);
    const runs: Record<Op, { ours: Run[]; cli: Run[] }> = {
      pack: { ours: [], cli: [] },
      unpack: { ours: [], cli: [] },
      cross: { ours: [], cli: [] },
    };
    const a = { ours: join(work, 'ours.enc'), cli: join(work, 'cli.enc') };
    for (let r = 0; r < ROUNDS; r++) {
      const pair = (op: Op, o: () => Run, c: () => Run): void => {
        for (const side of r % 2 === 0 ? ['ours', 'cli'] : ['cli', 'ours']) {
          settle();
          runs[op][side as 'ours' | 'cli'].push(side === 'ours' ? o() : c());
        }
      };
      pair(
        'pack',
        () => ours(child, { LIB: lib, LZ4, MODE: 'pack', TOKEN, SRC: src, ARCHIVE: a.ours }),
        () =>
          cli(
            work,
            ['tar -C "$SRC" -I lz4 -cf - .', `openssl aes-256-cbc -e -pbkdf2 -pass pass:${TOKEN}`],
            '> "$A"',
            {
              SRC: src,
              A: a.cli,
            },
          ),
      );
      const unpackCli = (archive: string, dst: string): Run =>
        cli(
          work,
          [`openssl aes-256-cbc -d -pbkdf2 -pass pass:${TOKEN} -in "$A"`, 'tar -C "$D" -I lz4 -xf -'],
          '',
          {
            A: archive,
            D: fresh(dst, true),
          },
        );
      const unpackOurs = (archive: string, dst: string): Run =>
        ours(child, { LIB: lib, LZ4, MODE: 'unpack', TOKEN, ARCHIVE: archive, DST: fresh(dst) });
      pair(
        'unpack',
        () => unpackOurs(a.ours, 'd-ours'),
        () => unpackCli(a.cli, 'd-cli'),
      );
      pair(
        'cross',
        () => unpackOurs(a.cli, 'x-ours'),
        () => unpackCli(a.ours, 'x-cli'),
      );
      if (r === 0) {
        // Every side restored the same tree (throws on any difference).
        for (const d of ['d-ours', 'd-cli', 'x-ours', 'x-cli'])
          execFileSync('diff', ['-rq', src, join(work, d)]);
      }
      const last = (op: Op, side: 'ours' | 'cli'): string => runs[op][side][r].s.toFixed(2);
      console.log(
        `  round ${r + 1}: pack ${last('pack', 'ours')}/${last('pack', 'cli')} s, unpack ${last('unpack', 'ours')}/${last('unpack', 'cli')} s, cross ${last('cross', 'ours')}/${last('cross', 'cli')} s (ours/cli), load ${load()}`,
      );
    }
    for (const op of Object.keys(OPS) as Op[]) {
      const { ours: o, cli: c } = runs[op];
      const m = (rs: Run[], k: keyof Run): number => median(rs.map((x) => x[k]));
      const ratios = o.map((x, i) => c[i].s / x.s);
      rows.push(
        `| ${shape} | ${OPS[op]} | ${m(o, 's').toFixed(2)} | ${m(c, 's').toFixed(2)} | **${(m(c, 's') / m(o, 's')).toFixed(2)}×** | ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)} | ${m(o, 'cpu').toFixed(2)} | ${m(c, 'cpu').toFixed(2)} | ${m(o, 'rssMB').toFixed(0)} (+${Math.max(...o.map((x) => x.growthMB)).toFixed(0)}) | ${m(c, 'rssMB').toFixed(0)} |`,
      );
    }
    rmSync(src, { recursive: true, force: true });
  }
  console.log(`load average after: ${load()}\n`);
  console.log(
    '| shape | op | ours s | cli s | cli/ours | per round | ours CPU s | cli CPU s | ours peak RSS MB (max growth) | cli peak RSS MB |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  rows.forEach((row) => console.log(row));
  console.log('\nmedians of the rounds; cross: ours restores the CLI’s archive vs the CLI extracts ours');
} finally {
  rmSync(work, { recursive: true, force: true });
}

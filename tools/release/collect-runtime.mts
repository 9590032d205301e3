// Copies into <lib>/node_modules exactly the packages the esbuild bundle still requires at run time
// (its externals) and their dependency closure, at the versions the lockfile installed, keeping
// npm's nesting so Node resolves them as it does in the workspace. Natives are kept only for
// linux-x64 glibc, for the bundled Node's ABI: koffi's prebuilt binary; ssh2's optional crypto
// addon (built for the bootstrap Node) is dropped, and ssh2 falls back to JavaScript.
//
//   node tools/release/collect-runtime.mts <bundle.js> <lib dir>
import { builtinModules } from 'node:module';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';

/** Required by the bundle only inside try/catch, and not installed: the code runs without them. */
const OPTIONAL = new Set(['@aws-sdk/signature-v4-crt']);
/**
 * Never loaded by what the bundle requires: native build helpers of ssh2's optional addons, and
 * @sentry/node's bundler plugins (only its `/esbuild`, `/vite`… subpaths load them; they pull in
 * the 22 MB Sentry CLI).
 */
const SKIP = new Set(['cpu-features', 'nan', '@sentry/bundler-plugins']);
/** The one native binary we ship (koffi picks `<libc>_<arch>/koffi.node` itself). */
const KEEP_NATIVE = /@koromix\/koffi-linux-x64\/linux_x64\/koffi\.node$/;

const [bundle, libDir] = process.argv.slice(2);
if (bundle === undefined || libDir === undefined) {
  console.error('usage: collect-runtime.mts <bundle.js> <lib dir>');
  process.exit(2);
}
const workspace = process.cwd();
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

// `require("x")` with a bare specifier left in the bundle = an external it loads at run time.
const source = readFileSync(bundle, 'utf8');
const externals = [...new Set([...source.matchAll(/\brequire\("([^"./][^"]*)"\)/g)].map((m) => m[1]))]
  .filter((spec) => !builtins.has(spec))
  .map((spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]))
  .sort();

interface Pkg {
  readonly name: string;
  readonly dir: string;
}

/** Node's lookup: `<dir>/node_modules/<name>` from `from` up to the workspace root. */
function findPackage(name: string, from: string): string | undefined {
  for (let dir = from; dir.startsWith(workspace); dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === workspace) break;
  }
  return undefined;
}

const closure = new Map<string, Pkg>(); // by directory
const missing: string[] = [];
const queue: Array<{ name: string; from: string; optional: boolean }> = externals.map((name) => ({
  name,
  from: workspace,
  optional: OPTIONAL.has(name),
}));
while (queue.length > 0) {
  const { name, from, optional } = queue.shift() as (typeof queue)[number];
  if (SKIP.has(name)) continue;
  const dir = findPackage(name, from);
  if (dir === undefined) {
    if (!optional) missing.push(`${name} (needed from ${relative(workspace, from) || '.'})`);
    continue;
  }
  if (closure.has(dir)) continue;
  closure.set(dir, { name, dir });
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  const deps = (key: string): string[] => Object.keys((manifest[key] as Record<string, string>) ?? {});
  for (const dep of deps('dependencies')) queue.push({ name: dep, from: dir, optional: false });
  // Optional and peer dependencies: only those installed here (koffi's per-platform binary).
  for (const dep of [...deps('optionalDependencies'), ...deps('peerDependencies')]) {
    queue.push({ name: dep, from: dir, optional: true });
  }
}
if (missing.length > 0) {
  console.error(`collect-runtime: not installed: ${missing.join(', ')}; run npm ci`);
  process.exit(1);
}

const dropped = (path: string): boolean => {
  const file = basename(path);
  if (path.endsWith('.node')) return !KEEP_NATIVE.test(path);
  if (/\.(map|d\.ts|d\.mts|d\.cts|md|markdown|gyp|gypi|cc|cpp|h|hpp)$/i.test(file)) {
    return !/^(license|licence|notice)/i.test(file);
  }
  // Nested packages are copied as packages of their own (or not at all); koffi's musl build and
  // node-gyp build trees have no use here.
  return (
    file === 'node_modules' || file === 'musl_x64' || file === '.github' || /\/build\/Release$/.test(path)
  );
};

for (const { dir } of closure.values()) {
  const target = join(libDir, relative(workspace, dir));
  cpSync(dir, target, { recursive: true, dereference: true, filter: (src) => src === dir || !dropped(src) });
}
const names = [...new Set([...closure.values()].map((p) => p.name))];
console.log(
  `collect-runtime: externals ${externals.join(', ')}; ${closure.size} packages copied ` +
    `(${names.length} names) into ${join(libDir, 'node_modules')}`,
);

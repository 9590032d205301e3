import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * A small import scanner for the cycle check (import-cycles.spec.ts): it reads every TypeScript
 * file's static imports, re-exports, `import()` and `require()` of a literal path, resolves relative
 * paths and the tsconfig path aliases (`@fractal/*`, `@tools/testing`) to files, and finds cycles
 * with Tarjan's strongly connected components. Type-only imports count too: a cycle of types is
 * still two modules that cannot be read one without the other.
 */

const SOURCE = /\.(ts|mts|cts|tsx)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', 'coverage', '.nx', 'tmp']);

const IMPORT_PATTERNS = [
  // import x from 'a'; import { x } from 'a'; import type ...; export { x } from 'a'; export * from 'a'
  /^\s*(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]/gms,
  // import 'a';
  /^\s*import\s*['"]([^'"]+)['"]/gm,
  // import('a'), require('a'), jest.mock('a')
  /\b(?:import|require|jest\.mock|jest\.requireActual)\(\s*['"]([^'"]+)['"]\s*[,)]/g,
];

/** The module specifiers `source` imports, in order of first appearance. */
export function importSpecifiers(source: string): string[] {
  const found = new Set<string>();
  for (const pattern of IMPORT_PATTERNS) {
    for (const m of source.matchAll(pattern)) found.add(m[1]);
  }
  return [...found];
}

/** Every TypeScript file under `dir` (absolute paths, sorted), skipping build and dependency dirs. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        if (!SKIP_DIRS.has(name) && !name.startsWith('.')) walk(p);
      } else if (SOURCE.test(name) && !name.endsWith('.d.ts')) {
        out.push(p);
      }
    }
  };
  walk(dir);
  return out;
}

function resolveFile(base: string): string | undefined {
  const candidates = [
    base,
    ...['.ts', '.tsx', '.mts', '.cts'].map((ext) => base + ext),
    ...['index.ts', 'index.tsx'].map((f) => join(base, f)),
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    base.replace(/\.cjs$/, '.cts'),
  ];
  return candidates.find((c) => SOURCE.test(c) && existsSync(c) && statSync(c).isFile());
}

/** `tsconfig.base.json`'s `paths`, as exact alias -> absolute file. */
export function readPathAliases(workspaceRoot: string): Map<string, string> {
  const raw = readFileSync(join(workspaceRoot, 'tsconfig.base.json'), 'utf8');
  const config = JSON.parse(raw) as { compilerOptions?: { paths?: Record<string, string[]> } };
  const aliases = new Map<string, string>();
  for (const [alias, targets] of Object.entries(config.compilerOptions?.paths ?? {})) {
    if (targets.length > 0 && !alias.includes('*')) aliases.set(alias, resolve(workspaceRoot, targets[0]));
  }
  return aliases;
}

/** The file `specifier` names from `fromFile`, or undefined for a package outside the workspace. */
export function resolveImport(
  fromFile: string,
  specifier: string,
  aliases: ReadonlyMap<string, string>,
): string | undefined {
  if (specifier.startsWith('.')) return resolveFile(resolve(dirname(fromFile), specifier));
  return aliases.get(specifier);
}

/** Edges file -> imported workspace file, for every file in `files`. */
export function importGraph(
  files: readonly string[],
  aliases: ReadonlyMap<string, string>,
): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = importSpecifiers(readFileSync(file, 'utf8'))
      .map((s) => resolveImport(file, s, aliases))
      .filter((t): t is string => t !== undefined);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Collapses a graph onto groups (`groupOf` returns undefined to drop a node); no self-edges. */
export function groupGraph(
  graph: ReadonlyMap<string, readonly string[]>,
  groupOf: (node: string) => string | undefined,
): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const [from, tos] of graph) {
    const g = groupOf(from);
    if (g === undefined) continue;
    const set = out.get(g) ?? new Set<string>();
    out.set(g, set);
    for (const to of tos) {
      const h = groupOf(to);
      if (h !== undefined && h !== g) set.add(h);
    }
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}

/**
 * The cycles of `graph`: each strongly connected component with more than one node, or one node
 * that imports itself, as a sorted list of its nodes. Empty when the graph is acyclic.
 */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];

  // Iterative Tarjan: the import graphs have thousands of nodes, deep enough to matter.
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; edge: number }> = [{ node: root, edge: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const edges = graph.get(frame.node) ?? [];
      if (frame.edge < edges.length) {
        const to = edges[frame.edge++];
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node) ?? 0, index.get(to) ?? 0));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent) ?? 0, low.get(frame.node) ?? 0));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let n: string | undefined;
        do {
          n = stack.pop();
          if (n === undefined) break;
          onStack.delete(n);
          component.push(n);
        } while (n !== frame.node);
        const selfLoop = component.length === 1 && edges.includes(frame.node);
        if (component.length > 1 || selfLoop) cycles.push(component.sort());
      }
    }
  }
  return cycles.sort((a, b) => a[0].localeCompare(b[0]));
}

/** `file` relative to `root`, with forward slashes, for messages. */
export function shortPath(root: string, file: string): string {
  return relative(root, file).split(sep).join('/');
}

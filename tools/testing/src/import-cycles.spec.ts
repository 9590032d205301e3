import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  findCycles,
  groupGraph,
  importGraph,
  importSpecifiers,
  readPathAliases,
  shortPath,
  sourceFiles,
} from './import-graph';

// The house rule of ARCHITECTURE.md ("There are no cycles"), checked on every `nx run-many -t test`:
// no two projects import each other, no two files of a project, and no two top-level folders of
// apps/host-service/src (config/ and startup/ once did).

const ROOT = resolve(__dirname, '..', '..', '..');
const PROJECTS = ['apps', 'libs', 'tools']
  .flatMap((top) => readdirSync(join(ROOT, top)).map((name) => join(ROOT, top, name)))
  .filter((dir) => existsSync(join(dir, 'project.json')))
  .sort();
const APP_SRC = join(ROOT, 'apps', 'host-service', 'src');

const files = PROJECTS.flatMap((dir) => sourceFiles(dir));
const graph = importGraph(files, readPathAliases(ROOT));
const projectOf = (file: string): string | undefined => PROJECTS.find((dir) => file.startsWith(dir + '/'));
const show = (cycles: string[][], name: (n: string) => string = (n) => n): string[] =>
  cycles.map((c) => c.map(name).join(' <-> '));

describe('import cycles', () => {
  it('finds the projects and their files', () => {
    expect(PROJECTS.map((d) => shortPath(ROOT, d))).toEqual(
      expect.arrayContaining(['apps/host-service', 'libs/portbindings', 'tools/testing']),
    );
    expect(files.length).toBeGreaterThan(100);
    // The scanner resolves both relative paths and the @fractal aliases.
    const main = graph.get(join(APP_SRC, 'main.ts')) ?? [];
    expect(main.map((f) => shortPath(ROOT, f))).toEqual(
      expect.arrayContaining(['apps/host-service/src/config/parse-config.ts', 'libs/logger/src/index.ts']),
    );
  });

  it('has none between projects', () => {
    const projects = groupGraph(graph, (f) => {
      const p = projectOf(f);
      return p === undefined ? undefined : shortPath(ROOT, p);
    });
    expect(show(findCycles(projects))).toEqual([]);
  });

  it('has none between the files of a project', () => {
    const sameProject = new Map(
      [...graph].map(([from, tos]) => [from, tos.filter((to) => projectOf(to) === projectOf(from))]),
    );
    expect(show(findCycles(sameProject), (f) => shortPath(ROOT, f))).toEqual([]);
  });

  it('has none between the top-level folders of apps/host-service/src', () => {
    // Runtime code only: a spec may reach into a neighbour folder to wire up what it tests.
    const folders = groupGraph(graph, (f) => {
      if (!f.startsWith(APP_SRC + '/') || /\.spec\.ts$/.test(f)) return undefined;
      const [first, ...rest] = shortPath(APP_SRC, f).split('/');
      return rest.length === 0 ? first : `${first}/`;
    });
    expect(show(findCycles(folders))).toEqual([]);
  });
});

describe('the scanner', () => {
  it('reads static, type-only, side-effect, re-export and dynamic imports', () => {
    const src = [
      "import { a } from './a';",
      "import type {\n  B,\n  C,\n} from '../b';",
      "import './side';",
      "export * from './re';",
      "export { d } from '@fractal/logger';",
      "const e = await import('./e');",
      "jest.mock('./f', () => ({}));",
      "const s = 'not an import from here';",
    ].join('\n');
    expect(importSpecifiers(src)).toEqual(['./a', '../b', './re', '@fractal/logger', './side', './e', './f']);
  });

  it('finds a cycle, a self-import and nothing in a tree', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['e']],
      ['f', ['d']],
    ]);
    expect(findCycles(g)).toEqual([['a', 'b', 'c'], ['e']]);
    expect(
      findCycles(
        new Map([
          ['a', ['b']],
          ['b', []],
        ]),
      ),
    ).toEqual([]);
  });

  it('collapses files into groups', () => {
    const g = new Map([
      ['x/1', ['x/2', 'y/1']],
      ['x/2', []],
      ['y/1', ['x/2']],
    ]);
    const grouped = groupGraph(g, (n) => n.split('/')[0]);
    expect(grouped).toEqual(
      new Map([
        ['x', ['y']],
        ['y', ['x']],
      ]),
    );
    expect(findCycles(grouped)).toEqual([['x', 'y']]);
  });
});

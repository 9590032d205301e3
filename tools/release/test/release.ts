import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempRoot, removeTempRoot } from '@tools/testing';

const run = promisify(execFile);

export const WORKSPACE = join(__dirname, '..', '..', '..');
export const VERSION = (require(join(WORKSPACE, 'apps/host-service/package.json')) as { version: string })
  .version;
export const TOP_DIR = `fractal-host-service-${VERSION}`;
export const TARBALL = join(WORKSPACE, 'dist', 'release', `${TOP_DIR}-linux-x64.tar.gz`);
export const BUNDLE = join(WORKSPACE, 'dist', 'apps', 'host-service', 'main.js');

/** A temp dir outside the workspace: the artifact must not find anything of the repo. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await makeTempRoot(`fractal-release-${prefix}`);
  if (dir.startsWith(WORKSPACE)) throw new Error(`temp dir ${dir} is inside the workspace`);
  return dir;
}

/** Extracts the release tarball into `dir`; returns the release's top directory. */
export async function extractRelease(dir: string, tarball = TARBALL): Promise<string> {
  await run('tar', ['-xzf', tarball, '-C', dir]);
  return join(dir, TOP_DIR);
}

/**
 * A PATH directory with every program of the system's usual PATH except Node and its tools, so
 * the artifact cannot lean on a Node the host happens to have.
 */
export async function pathWithoutNode(dir: string): Promise<string> {
  const bin = join(dir, 'bin-without-node');
  await mkdir(bin, { recursive: true });
  const seen = new Set<string>();
  for (const from of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    const names = await readdir(from).catch(() => [] as string[]);
    for (const name of names) {
      if (seen.has(name) || /^(node|nodejs|npm|npx|corepack)$/.test(name)) continue;
      seen.add(name);
      await symlink(join(from, name), join(bin, name));
    }
  }
  return bin;
}

/** Runs a program; never rejects: exit code and both streams are the result. */
export function runProgram(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 32 << 20,
      },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
      },
    );
  });
}

/** Every file under `dir` with its mode and content hash (or link target): a tree's fingerprint. */
export async function treeListing(dir: string): Promise<string[]> {
  const { stdout } = await run('find', [dir, '-printf', '%P %y %m %l\\n'], { maxBuffer: 32 << 20 });
  const sums = await run(
    'sh',
    ['-c', `cd "${dir}" && find . -type f -print0 | sort -z | xargs -0 sha256sum`],
    {
      maxBuffer: 32 << 20,
    },
  );
  return [...stdout.trim().split('\n').sort(), ...sums.stdout.trim().split('\n')];
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

/** Removes a temp dir, unmounting first what a killed daemon may have left bind-mounted in it. */
export function removeTempDir(dir: string): Promise<void> {
  return removeTempRoot(dir);
}

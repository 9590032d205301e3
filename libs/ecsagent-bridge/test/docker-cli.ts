import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** ms from spawn to the first stdout byte, or null. */
  firstOutputMs: number | null;
  /** ms from spawn to exit. */
  durationMs: number;
}

/** Runs the Docker CLI against `socketPath` (undefined = the real engine) and collects its output. */
export function docker(
  socketPath: string | undefined,
  args: string[],
  options: {
    input?: string | Buffer;
    keepStdinOpen?: boolean;
    timeoutMs?: number;
    onSpawn?: (kill: () => void) => void;
  } = {},
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CLI_HINTS: 'false' };
  if (socketPath) env.DOCKER_HOST = `unix://${socketPath}`;
  else delete env.DOCKER_HOST;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let firstOutputMs: number | null = null;
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.stdout.on('data', (c: Buffer) => {
      firstOutputMs ??= Date.now() - started;
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, firstOutputMs, durationMs: Date.now() - started });
    });
    if (options.input !== undefined) child.stdin.write(options.input);
    if (!options.keepStdinOpen) child.stdin.end();
    options.onSpawn?.(() => child.kill('SIGTERM'));
  });
}

/** A TCP port nobody is listening on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export async function waitUntil(
  test: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

import { execFile } from 'node:child_process';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the Docker CLI against `socketPath` (the ECS interposer, standing in for the agent's view
 * of Docker). Never rejects: the exit code and both streams are the result.
 */
export function dockerCli(
  socketPath: string,
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      'docker',
      [...args],
      {
        env: { ...process.env, DOCKER_HOST: `unix://${socketPath}` },
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: unknown }).code as number | undefined) : 0;
        resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
      },
    );
  });
}

/** Polls `probe` until it returns something other than undefined (errors count as not yet). */
export { waitFor } from '@tools/testing';

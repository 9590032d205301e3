import type Dockerode from 'dockerode';
import { putJson, removeLabelled, startProcess, waitFor as poll } from '@tools/testing';
import type { DaemonProcess } from '@tools/testing';

export { freePort, putJson } from '@tools/testing';

export const WEBSERVER_SECRET = 'testwebserverauthsecretdev';
export const TEST_IMAGE = 'fractal/test-protocol:latest';
/** The app name of every container these tests spin up: its `fractal.app` label, per run. */
export const TEST_APP = `release-test-${process.pid}`;

/** The launcher as a child process (tools/testing); SIGKILLed after the spec file if still running. */
export type Daemon = DaemonProcess;

/** Starts the artifact's launcher with exactly `env`, collecting stdout and stderr. */
export function startArtifact(launcher: string, env: Record<string, string>, cwd = '/'): Daemon {
  return startProcess(launcher, { env, cwd });
}

/** PUT /spin_up_container with the local test image; returns the Docker id. */
export async function spinUp(port: number): Promise<string> {
  const answer = await putJson(port, '/spin_up_container', {
    auth_secret: WEBSERVER_SECRET,
    app_name: TEST_APP,
    app_image: TEST_IMAGE,
    mount_command: '',
    protocol_timeout: 120,
  });
  if (answer.status !== 200)
    throw new Error(`spin_up_container answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return (answer.body as { result: string }).result;
}

/** Polls `probe` until it returns something other than undefined (errors count as not yet). */
export function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  return poll(what, probe, timeoutMs, 200);
}

/** Force-removes every container this run spun up (by its per-run `fractal.app` label). */
export async function removeTestContainers(docker: Dockerode): Promise<void> {
  await removeLabelled(docker, `fractal.app=${TEST_APP}`);
}

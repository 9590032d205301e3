import { WorkTimeoutError, cancellable } from '../util/cancellable';
import { errorMessage } from '../util/error-message';
import { StartupError } from '../util/startup-error';

export interface DockerProbe {
  ping(): Promise<unknown>;
  info(): Promise<{ Runtimes?: Record<string, unknown> }>;
}

export interface DockerConnectDeps {
  readonly docker: DockerProbe;
  /** Where the engine is expected (DOCKER_HOST or the default socket), for messages. */
  readonly describe: string;
  readonly systemdRunning: () => Promise<boolean>;
  /** `systemctl start docker`. */
  readonly startEngine: () => Promise<void>;
  readonly logger: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  readonly waitMs?: number;
  readonly pollMs?: number;
  readonly pingTimeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface DockerFacts {
  readonly hasNvidiaRuntime: boolean;
}

/** Pings the engine; if it is down and systemd runs, starts it and waits for it to answer. */
export async function connectDocker(deps: DockerConnectDeps): Promise<DockerFacts> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pingTimeoutMs = deps.pingTimeoutMs ?? 5000;
  const ping = (): Promise<Error | null> => pingOnce(deps.docker, pingTimeoutMs);

  let failure = await ping();
  if (failure !== null) {
    if (!(await deps.systemdRunning())) {
      throw new StartupError(
        'DOCKER_UNAVAILABLE',
        `the Docker engine does not answer at ${deps.describe} (${failure.message}) and systemd is not running here to ` +
          'start it; start dockerd (e.g. tools/docker/ensure-engine.sh) and run the host service again',
        { cause: failure },
      );
    }
    deps.logger.warn(
      { err: failure.message },
      'Docker engine does not answer; running systemctl start docker',
    );
    try {
      await deps.startEngine();
    } catch (err) {
      throw new StartupError(
        'DOCKER_UNAVAILABLE',
        `the Docker engine does not answer at ${deps.describe} and \`systemctl start docker\` failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const deadline = Date.now() + (deps.waitMs ?? 30_000);
    while (failure !== null && Date.now() < deadline) {
      await sleep(deps.pollMs ?? 500);
      failure = await ping();
    }
    if (failure !== null) {
      throw new StartupError(
        'DOCKER_UNAVAILABLE',
        `the Docker engine still does not answer at ${deps.describe} after \`systemctl start docker\` (${failure.message}); ` +
          'check `systemctl status docker`',
        { cause: failure },
      );
    }
  }
  // An engine that answers ping but hangs on info must not hang the start-up.
  const info = await cancellable(pingTimeoutMs * 6, 'docker info', () => deps.docker.info()).catch(
    (err: unknown) => {
      throw new StartupError(
        'DOCKER_UNAVAILABLE',
        `the Docker engine at ${deps.describe} answers ping but not \`docker info\`: ${errorMessage(err)}`,
        { cause: err },
      );
    },
  );
  const hasNvidiaRuntime = Object.prototype.hasOwnProperty.call(info.Runtimes ?? {}, 'nvidia');
  deps.logger.info({ hasNvidiaRuntime }, 'Docker engine answers');
  return { hasNvidiaRuntime };
}

async function pingOnce(docker: DockerProbe, timeoutMs: number): Promise<Error | null> {
  try {
    await cancellable(timeoutMs, 'ping', () => docker.ping());
    return null;
  } catch (err) {
    if (err instanceof WorkTimeoutError) return new Error(`no answer within ${timeoutMs} ms`);
    return err instanceof Error ? err : new Error(String(err));
  }
}

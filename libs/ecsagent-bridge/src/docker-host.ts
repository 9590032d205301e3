import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EcsBridgeError } from './errors';

/** Where the real engine answers: a unix socket or a plain-HTTP TCP endpoint. */
export type DockerUpstream =
  | { readonly socketPath: string; readonly host?: undefined; readonly port?: undefined }
  | { readonly host: string; readonly port: number; readonly socketPath?: undefined };

const unsupported = (dockerHost: string, why: string): never => {
  throw new EcsBridgeError(
    'INVALID_OPTIONS',
    `DOCKER_HOST=${dockerHost}: ${why}; the Docker interposer forwards to a unix:// socket or a plain tcp:// engine`,
  );
};

function defaultUnixSocket(): string {
  const system = '/var/run/docker.sock';
  const desktop = join(homedir(), '.docker', 'run', 'docker.sock');
  return existsSync(system) || !existsSync(desktop) ? system : desktop;
}

/**
 * The engine dockerode (docker-modem) would talk to for the same environment, so the ECS agent
 * behind the interposer and the daemon always see one engine: unset → /var/run/docker.sock (or
 * Docker Desktop's socket), `unix://path`, `tcp://host:port` or bare `host:port`. TLS
 * (`DOCKER_TLS_VERIFY=1` or port 2376), ssh:// and npipe:// are refused with a clear error rather
 * than silently forwarded to a different engine.
 */
export function resolveDockerHost(env: Readonly<Record<string, string | undefined>>): DockerUpstream {
  const dockerHost = env.DOCKER_HOST;
  if (dockerHost === undefined || dockerHost === '') return { socketPath: defaultUnixSocket() };
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice(7) || defaultUnixSocket() };
  if (dockerHost.startsWith('npipe://')) return unsupported(dockerHost, 'named pipes exist on Windows only');
  let url: URL;
  try {
    url = new URL(dockerHost.includes('//') ? dockerHost : `tcp://${dockerHost}`);
  } catch (err) {
    throw new EcsBridgeError(
      'INVALID_OPTIONS',
      `DOCKER_HOST=${dockerHost} is not a URL like tcp://localhost:2375`,
      {
        cause: err,
      },
    );
  }
  if (env.DOCKER_TLS_VERIFY === '1' || url.port === '2376')
    return unsupported(dockerHost, 'TLS engines are not supported');
  if (url.protocol === 'ssh:') return unsupported(dockerHost, 'ssh:// engines are not supported');
  // docker-modem leaves an absent port to http's default, 80; so do we.
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port === '' ? 80 : Number(url.port) };
}

/** For logs and errors. */
export function describeUpstream(upstream: DockerUpstream): string {
  return upstream.socketPath !== undefined
    ? `unix://${upstream.socketPath}`
    : `tcp://${upstream.host}:${upstream.port}`;
}

import { promises as fs } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { DockerUpstream } from './docker-host';
import { describeUpstream, resolveDockerHost } from './docker-host';
import { EcsBridgeError } from './errors';
import { InterposerConnection } from './interposer-connection';
import { prepareSocketPath, temporarySocketPath } from './socket-file';
import type { BridgeLogger, ContainerCreateHook } from './types';

export interface DockerInterposerOptions {
  /** Where the interposer listens (the daemon's `ECS_BRIDGE_SOCKET`). */
  socketPath: string;
  /** The real engine's unix socket; overrides `upstream`. */
  upstreamSocketPath?: string;
  /** The real engine. Default: resolved from DOCKER_HOST the way dockerode does. */
  upstream?: DockerUpstream;
  hook: ContainerCreateHook;
  logger?: BridgeLogger;
  /** How long shutdown waits for creates in flight before aborting them. Default 5000 ms. */
  shutdownTimeoutMs?: number;
}

/**
 * Stands between a Docker client (the ECS agent) and the engine on a unix socket: every request
 * is forwarded unchanged except `POST /containers/create`, which goes through the hook.
 */
export class DockerInterposer {
  private readonly socketPath: string;
  private readonly upstream: DockerUpstream;
  private readonly hook: ContainerCreateHook;
  private readonly logger: BridgeLogger | undefined;
  private readonly shutdownTimeoutMs: number;
  private readonly connections = new Set<InterposerConnection>();
  private readonly aborts = new Set<() => void>();
  private aborting = false;
  private readonly work = new Set<Promise<unknown>>();
  private server: Server | null = null;
  private starting: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;

  constructor(options: DockerInterposerOptions) {
    if (typeof options?.socketPath !== 'string' || options.socketPath === '') {
      throw new EcsBridgeError('INVALID_OPTIONS', 'DockerInterposer needs a socketPath to listen on');
    }
    if (typeof options.hook?.beforeCreate !== 'function') {
      throw new EcsBridgeError(
        'INVALID_OPTIONS',
        'DockerInterposer needs a hook with a beforeCreate(req) method',
      );
    }
    const timeout = options.shutdownTimeoutMs ?? 5000;
    if (!Number.isFinite(timeout) || timeout < 0) {
      throw new EcsBridgeError(
        'INVALID_OPTIONS',
        `shutdownTimeoutMs must be a non-negative number, got ${timeout}`,
      );
    }
    this.socketPath = options.socketPath;
    this.upstream =
      options.upstreamSocketPath !== undefined
        ? { socketPath: options.upstreamSocketPath }
        : (options.upstream ?? resolveDockerHost(process.env));
    this.hook = options.hook;
    this.logger = options.logger;
    this.shutdownTimeoutMs = timeout;
  }

  /** Listens on the socket (mode 0600). Resolves once clients can connect. */
  start(): Promise<void> {
    if (this.stopping)
      return Promise.reject(
        new EcsBridgeError('SHUT_DOWN', 'DockerInterposer was shut down; create a new one'),
      );
    this.starting ??= this.listen();
    return this.starting;
  }

  /** Closes the socket and every open connection, then removes the socket file. Runs once. */
  shutdown(): Promise<void> {
    this.stopping ??= this.close();
    return this.stopping;
  }

  private async listen(): Promise<void> {
    await prepareSocketPath(this.socketPath);
    const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    const tmp = temporarySocketPath(this.socketPath);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(tmp, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) =>
      this.logger?.error({ err, socketPath: this.socketPath }, 'Docker interposer socket failed'),
    );
    try {
      // Bound under a temporary name and renamed so the socket is never reachable with looser mode.
      await fs.chmod(tmp, 0o600);
      await fs.rename(tmp, this.socketPath);
    } catch (err) {
      server.close();
      await fs.rm(tmp, { force: true });
      throw new EcsBridgeError(
        'SOCKET_PATH_TAKEN',
        `cannot set up the Docker interposer socket at ${this.socketPath}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    this.server = server;
    if (this.stopping) server.close();
    this.logger?.info(
      { socketPath: this.socketPath, upstream: describeUpstream(this.upstream) },
      'Docker interposer listening',
    );
  }

  private accept(socket: Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const conn = new InterposerConnection(socket, {
      upstream: this.upstream,
      hook: this.hook,
      logger: this.logger,
      track: (abort) => {
        // A hook that answers after shutdown gave up on it must not get its create to Docker.
        if (this.aborting) {
          abort();
          return () => undefined;
        }
        this.aborts.add(abort);
        return () => this.aborts.delete(abort);
      },
      trackWork: (work) => {
        this.work.add(work);
        void work.finally(() => this.work.delete(work));
      },
    });
    this.connections.add(conn);
    socket.on('close', () => this.connections.delete(conn));
  }

  private async close(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const server = this.server;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    // Creates in flight get a chance to finish so their outcome reaches the hook.
    await this.settleWork(this.shutdownTimeoutMs);
    this.aborting = true;
    for (const abort of this.aborts) abort();
    for (const conn of this.connections) conn.destroy();
    this.connections.clear();
    await this.settleWork(1000);
    await closed;
    if (server) await fs.rm(this.socketPath, { force: true });
    this.logger?.info({ socketPath: this.socketPath }, 'Docker interposer stopped');
  }

  private async settleWork(timeoutMs: number): Promise<void> {
    if (this.work.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([Promise.allSettled([...this.work]), timeout]);
    clearTimeout(timer);
  }
}

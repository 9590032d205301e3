import type Dockerode from 'dockerode';
import { promises as fs } from 'node:fs';
import type { AgentHostDirs } from './agent-container';
import { AGENT_LABEL, agentCreateOptions, dockerStatus } from './agent-container';
import type { AgentLogStream } from './agent-logs';
import { followAgentLogs } from './agent-logs';
import { AgentRestartPolicy } from './agent-restart-policy';
import type { AgentRestartOptions } from './agent-restart-policy';
import { EcsBridgeError } from './errors';
import type { BridgeLogger } from './types';

export interface AgentExitInfo {
  /** The container's exit status; null when waiting for it failed. */
  exitCode: number | null;
  error?: Error;
  /** With `restart`: the runner starts the agent again after this many ms. */
  restartInMs?: number;
}

export interface EcsAgentRunnerOptions {
  docker: Dockerode;
  /** The daemon's `ECS_AGENT_IMAGE`. Default `amazon/amazon-ecs-agent:latest`; never pulled. */
  image?: string;
  /** From {@link parseEcsConfig}; becomes the container's env. */
  ecsConfig: Record<string, string>;
  /** The interposer's socket on the host, mounted at `/var/run/docker.sock`. */
  dockerSocketPath: string;
  logger: BridgeLogger;
  /**
   * Called when the agent container exits on its own (not after shutdown()): once, or with
   * `restart` on every exit (with `restartInMs`) until the runner gives up.
   */
  onExit(info: AgentExitInfo): void;
  /**
   * Restart the agent after it exits, with backoff (1 s doubling to 60 s); after 5 exits within
   * 10 minutes the runner gives up and calls `onGiveUp`. Off unless given.
   */
  restart?: AgentRestartOptions;
  /** With `restart`: the agent kept exiting (or could not be started again); no more tries. */
  onGiveUp?(info: { exits: number; lastExit: AgentExitInfo; error?: Error }): void;
  /** Default `ecs-agent`, the name the agent's docs use. */
  containerName?: string;
  hostDirs?: AgentHostDirs;
  /** Extra labels (e.g. for tests); `fractal.ecs-agent=true` is always set. */
  labels?: Record<string, string>;
  /** Overrides the image's command (tests, debugging). */
  cmd?: string[];
  /** Grace period for the agent on shutdown before it is killed. Default 10000 ms. */
  stopTimeoutMs?: number;
}

/** Runs the ECS agent as a sibling container that talks to Docker through the interposer. */
export class EcsAgentRunner {
  private readonly opts: EcsAgentRunnerOptions;
  private readonly image: string;
  private readonly name: string;
  private readonly stopTimeoutMs: number;
  private container: Dockerode.Container | null = null;
  private logs: AgentLogStream | null = null;
  private starting: Promise<string> | null = null;
  private stopping: Promise<void> | null = null;
  private readonly policy: AgentRestartPolicy | null;
  private restartTimer: NodeJS.Timeout | null = null;

  constructor(options: EcsAgentRunnerOptions) {
    if (!options?.docker)
      throw new EcsBridgeError('INVALID_OPTIONS', 'EcsAgentRunner needs a dockerode client');
    if (typeof options.dockerSocketPath !== 'string' || options.dockerSocketPath === '') {
      throw new EcsBridgeError(
        'INVALID_OPTIONS',
        'EcsAgentRunner needs dockerSocketPath, the interposer socket',
      );
    }
    if (typeof options.onExit !== 'function')
      throw new EcsBridgeError('INVALID_OPTIONS', 'EcsAgentRunner needs an onExit(info) callback');
    const stop = options.stopTimeoutMs ?? 10_000;
    if (!Number.isFinite(stop) || stop < 0) {
      throw new EcsBridgeError('INVALID_OPTIONS', `stopTimeoutMs must be a non-negative number, got ${stop}`);
    }
    this.opts = options;
    this.image = options.image ?? 'amazon/amazon-ecs-agent:latest';
    this.name = options.containerName ?? 'ecs-agent';
    this.stopTimeoutMs = stop;
    this.policy = options.restart ? new AgentRestartPolicy(options.restart) : null;
  }

  /** Creates and starts the agent container; resolves to its Docker id. */
  start(): Promise<string> {
    if (this.stopping)
      return Promise.reject(
        new EcsBridgeError('SHUT_DOWN', 'EcsAgentRunner was shut down; create a new one'),
      );
    this.starting ??= this.run();
    return this.starting;
  }

  /** Stops and removes the agent container (time-bounded). onExit is not called. Runs once. */
  shutdown(): Promise<void> {
    this.stopping ??= this.stop();
    return this.stopping;
  }

  private async run(): Promise<string> {
    const { docker, logger } = this.opts;
    await this.checkSocket();
    try {
      await docker.getImage(this.image).inspect();
    } catch (err) {
      if (dockerStatus(err) === 404) {
        throw new EcsBridgeError(
          'AGENT_IMAGE_MISSING',
          `ECS agent image ${this.image} is not on this host and is never pulled; preload it (docker load) or set ECS_AGENT_IMAGE`,
          { cause: err },
        );
      }
      throw new EcsBridgeError(
        'AGENT_START_FAILED',
        `cannot inspect ECS agent image ${this.image}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const container = await this.create();
    this.container = container;
    if (this.stopping)
      throw new EcsBridgeError('SHUT_DOWN', `EcsAgentRunner was shut down while starting ${this.name}`);
    try {
      await container.start();
    } catch (err) {
      await container.remove({ force: true }).catch(() => undefined);
      this.container = null;
      throw new EcsBridgeError(
        'AGENT_START_FAILED',
        `cannot start ECS agent container ${container.id}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    try {
      this.logs = await followAgentLogs(docker, container, logger);
    } catch (err) {
      logger.warn(
        { err, containerId: container.id },
        'cannot follow ECS agent output; it will not be logged',
      );
    }
    this.watchExit(container);
    logger.info({ containerId: container.id, image: this.image }, 'ECS agent started');
    return container.id;
  }

  private async checkSocket(): Promise<void> {
    const path = this.opts.dockerSocketPath;
    const stat = await fs.stat(path).catch(() => null);
    // Docker would otherwise create a directory at a missing bind source.
    if (!stat?.isSocket()) {
      throw new EcsBridgeError(
        'AGENT_START_FAILED',
        `no socket at ${path} for the ECS agent's Docker API; start the DockerInterposer first`,
      );
    }
  }

  private async create(retry = true): Promise<Dockerode.Container> {
    const { docker, logger } = this.opts;
    const options = agentCreateOptions({
      image: this.image,
      name: this.name,
      ecsConfig: this.opts.ecsConfig,
      dockerSocketPath: this.opts.dockerSocketPath,
      hostDirs: this.opts.hostDirs ?? {},
      labels: this.opts.labels ?? {},
      cmd: this.opts.cmd,
    });
    try {
      return await docker.createContainer(options);
    } catch (err) {
      if (dockerStatus(err) === 409 && retry) {
        // A previous daemon died without removing its agent: take its place, but only if it is ours.
        const old = docker.getContainer(this.name);
        const info = await old.inspect().catch(() => null);
        if (info?.Config?.Labels?.[AGENT_LABEL] === 'true') {
          logger.warn({ containerId: info.Id, name: this.name }, 'removing a leftover ECS agent container');
          await old.remove({ force: true });
          return this.create(false);
        }
      }
      throw new EcsBridgeError(
        'AGENT_START_FAILED',
        `cannot create ECS agent container ${this.name}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  private watchExit(container: Dockerode.Container): void {
    let reported = false;
    const report = async (info: AgentExitInfo): Promise<void> => {
      // Let the last lines reach the log before the daemon reacts to the exit.
      await Promise.race([this.logs?.ended, delay(2000)]);
      if (this.stopping || reported) return;
      reported = true;
      this.handleExit(container.id, info);
    };
    container
      .wait()
      .then(
        (res: { StatusCode?: number }) =>
          report({ exitCode: typeof res?.StatusCode === 'number' ? res.StatusCode : null }),
        (err: unknown) =>
          report({ exitCode: null, error: err instanceof Error ? err : new Error(String(err)) }),
      )
      .catch(() => undefined);
  }

  private handleExit(containerId: string | null, info: AgentExitInfo): void {
    const decision = this.policy?.exited();
    const out: AgentExitInfo =
      decision && !decision.giveUp ? { ...info, restartInMs: decision.delayMs } : info;
    const level = info.error ? 'error' : 'warn';
    this.opts.logger[level](
      { containerId, exitCode: info.exitCode, err: info.error, restartInMs: out.restartInMs },
      'ECS agent container exited',
    );
    try {
      this.opts.onExit(out);
    } catch (err) {
      this.opts.logger.error({ err }, 'ECS agent onExit handler threw');
    }
    if (!decision) return;
    if (decision.giveUp) {
      this.opts.logger.error(
        { exits: decision.exits },
        `the ECS agent exited ${decision.exits} times within the restart window; not restarting it again`,
      );
      try {
        this.opts.onGiveUp?.({
          exits: decision.exits,
          lastExit: info,
          ...(info.error ? { error: info.error } : {}),
        });
      } catch (err) {
        this.opts.logger.error({ err }, 'ECS agent onGiveUp handler threw');
      }
      return;
    }
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void this.restart();
    }, decision.delayMs);
    this.restartTimer.unref();
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;
    this.logs?.close();
    this.logs = null;
    this.policy?.started();
    const attempt = this.run();
    this.starting = attempt;
    try {
      await attempt;
    } catch (err) {
      if (this.stopping) return;
      // A failed start counts as one more exit: back off, or give up.
      this.handleExit(null, { exitCode: null, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }

  private async stop(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.starting?.catch(() => undefined);
    const container = this.container;
    this.logs?.close();
    if (!container) return;
    const work = (async () => {
      try {
        await container.stop({ t: Math.ceil(this.stopTimeoutMs / 1000) });
      } catch (err) {
        if (dockerStatus(err) !== 304 && dockerStatus(err) !== 404) {
          this.opts.logger.warn(
            { err, containerId: container.id },
            'cannot stop ECS agent container; removing it by force',
          );
        }
      }
      try {
        await container.remove({ force: true });
      } catch (err) {
        if (dockerStatus(err) !== 404) {
          this.opts.logger.error(
            { err, containerId: container.id },
            'cannot remove ECS agent container; remove it by hand',
          );
        }
      }
    })();
    const finished = await Promise.race([
      work.then(() => true),
      delay(this.stopTimeoutMs + 5000).then(() => false),
    ]);
    if (!finished) {
      this.opts.logger.error(
        { containerId: container.id },
        'ECS agent container did not stop in time; remove it by hand',
      );
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

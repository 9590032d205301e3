import type Dockerode from 'dockerode';
import { readFile } from 'node:fs/promises';
import { DockerInterposer, EcsAgentRunner, parseEcsConfig } from '@fractal/ecsagent-bridge';
import type { AgentHostDirs, AgentRestartOptions, ContainerCreateHook } from '@fractal/ecsagent-bridge';
import type { Logger } from '@fractal/logger';
import { StartupError } from '../util/startup-error';

export interface EcsBridgeDeps {
  readonly configFile: string;
  readonly socketPath: string;
  readonly agentImage: string;
  readonly agentHostDirs?: AgentHostDirs;
  readonly docker: Dockerode;
  readonly hook: ContainerCreateHook;
  readonly logger: Logger;
  /** The agent kept exiting and is not restarted again: the host takes no new ECS tasks. */
  readonly onAgentGaveUp: (info: { exits: number; error?: Error }) => void;
  /** The agent exited and a restart of it is scheduled (metrics). */
  readonly onAgentRestart?: () => void;
  /** Restart backoff; tests shorten it. Default 1 s doubling to 60 s, 5 exits in 10 min. */
  readonly agentRestart?: AgentRestartOptions;
  /** Registers an undo step (Lifecycle.defer). */
  readonly defer: (name: string, timeoutMs: number, run: () => Promise<void>) => void;
}

/** Starts our Docker API proxy, then the ECS agent talking to Docker through it. */
export async function startEcsBridge(deps: EcsBridgeDeps): Promise<void> {
  let text: string;
  try {
    text = await readFile(deps.configFile, 'utf8');
  } catch (err) {
    throw new StartupError(
      'ECS_CONFIG_INVALID',
      `cannot read ECS_CONFIG_FILE ${deps.configFile}: ${(err as Error).message}; set ECS_BRIDGE=off to run without the ECS agent`,
      { cause: err },
    );
  }
  let ecsConfig: Record<string, string>;
  try {
    ecsConfig = parseEcsConfig(text);
  } catch (err) {
    throw new StartupError(
      'ECS_CONFIG_INVALID',
      `ECS_CONFIG_FILE ${deps.configFile}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const interposer = new DockerInterposer({
    socketPath: deps.socketPath,
    hook: deps.hook,
    logger: deps.logger.child({ component: 'docker-interposer' }),
  });
  deps.defer('stop Docker proxy for the ECS agent', 10_000, () => interposer.shutdown());
  await interposer.start();
  const runner = new EcsAgentRunner({
    docker: deps.docker,
    image: deps.agentImage,
    ...(deps.agentHostDirs ? { hostDirs: deps.agentHostDirs } : {}),
    ecsConfig,
    dockerSocketPath: deps.socketPath,
    logger: deps.logger.child({ component: 'ecs-agent' }),
    // An agent exit (a routine agent restart, a crash) must not end the sessions: restart it.
    onExit: (info) => {
      if (info.restartInMs !== undefined) deps.onAgentRestart?.();
    },
    restart: deps.agentRestart ?? {},
    onGiveUp: (info) =>
      deps.onAgentGaveUp({ exits: info.exits, ...(info.error ? { error: info.error } : {}) }),
  });
  deps.defer('stop ECS agent', 30_000, () => runner.shutdown());
  await runner.start();
}

import type Dockerode from 'dockerode';

export const AGENT_LABEL = 'fractal.ecs-agent';

export interface AgentHostDirs {
  /** Host dir mounted at `/log`. Default `/var/log/ecs`. */
  log?: string;
  /** Host dir mounted at `/data`. Default `/var/lib/ecs/data`. */
  data?: string;
  /** Host dir mounted at `/etc/ecs`. Default `/etc/ecs`. */
  config?: string;
}

export interface AgentContainerSpec {
  image: string;
  name: string;
  ecsConfig: Record<string, string>;
  dockerSocketPath: string;
  hostDirs: AgentHostDirs;
  labels: Record<string, string>;
  cmd: string[] | undefined;
}

/** Env the agent's documented `docker run` sets; ecs.config entries override them. */
const DEFAULT_ENV: Record<string, string> = {
  ECS_LOGFILE: '/log/ecs-agent.log',
  ECS_DATADIR: '/data',
};

/** The create options of the agent container, as the agent's install docs run it. */
export function agentCreateOptions(spec: AgentContainerSpec): Dockerode.ContainerCreateOptions {
  const env = { ...DEFAULT_ENV, ...spec.ecsConfig };
  const options: Dockerode.ContainerCreateOptions = {
    name: spec.name,
    Image: spec.image,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...spec.labels, [AGENT_LABEL]: 'true' },
    HostConfig: {
      NetworkMode: 'host',
      RestartPolicy: { Name: 'no' },
      Binds: [
        `${spec.hostDirs.log ?? '/var/log/ecs'}:/log`,
        `${spec.hostDirs.data ?? '/var/lib/ecs/data'}:/data`,
        `${spec.hostDirs.config ?? '/etc/ecs'}:/etc/ecs`,
        // The agent talks to "Docker" here; it is the interposer.
        `${spec.dockerSocketPath}:/var/run/docker.sock`,
      ],
    },
  };
  if (spec.cmd) options.Cmd = spec.cmd;
  return options;
}

export function dockerStatus(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

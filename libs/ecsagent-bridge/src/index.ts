export { parseEcsConfig } from './ecs-config';
export { CreateHookError, EcsBridgeError, EcsConfigError } from './errors';
export type { EcsBridgeErrorCode, EcsBridgeErrorDetails } from './errors';
export { DockerInterposer } from './interposer';
export type { DockerInterposerOptions } from './interposer';
export { resolveDockerHost } from './docker-host';
export type { DockerUpstream } from './docker-host';
export { EcsAgentRunner } from './agent-runner';
export type { AgentExitInfo, EcsAgentRunnerOptions } from './agent-runner';
export type { AgentRestartOptions } from './agent-restart-policy';
export { AGENT_LABEL } from './agent-container';
export type { AgentHostDirs } from './agent-container';
export { parseAgentLogLine } from './agent-log-line';
export type { AgentLogLevel, AgentLogLine } from './agent-log-line';
export type {
  BridgeLogger,
  ContainerCreateBody,
  ContainerCreateDevice,
  ContainerCreateHook,
  ContainerCreateHostConfig,
  ContainerCreateMount,
  ContainerCreateRequest,
  CreateOutcome,
  CreatePlan,
} from './types';

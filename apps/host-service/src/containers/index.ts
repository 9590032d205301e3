export { ContainerManager } from './container-manager';
export type {
  ContainerManagerDeps,
  ContainerReservation,
  ManagerTimeouts,
  SpinUpRequest,
} from './container-manager';
export type { CrashPoint, ReserveRequest } from './manager-types';
export { HostServiceError } from './errors';
export type { HostServiceErrorCode } from './errors';
export type { ConfigTokenRequest, StartValuesRequest } from './readiness';
export { secretsEqual, MAX_TOKEN_CANDIDATES } from './token-rules';
export {
  applyResources,
  CAP_ADD,
  CONTAINER_PORTS,
  fractalLabels,
  LABEL_APP,
  LABEL_DIR,
  LABEL_ID,
  spinUpTemplate,
} from './container-config';
export type { SpinUpTemplate } from './container-config';
export { DockerError, DockerodeEngine, isDockerError } from './docker';
export type { CreateBody, DockerEngine, DockerErrorCode, ListedContainer } from './docker';
export type { ContainerPhase, ContainerSource, ContainerView } from './model';
export type { RecoveryReport } from './recovery';
export { containerStateDir } from './state-store';
export { FRACTAL_ID_PLACEHOLDER } from './resources';
export { parseMountCommand } from './mount-command';
export { RESOURCE_FILES } from './resource-files';
export type { OnPhase } from './phase-timer';

export { ContainerManager } from './container-manager';
export type {
  ContainerManagerDeps,
  ContainerReservation,
  ManagerTimeouts,
  SpinUpRequest,
} from './container-manager';
export { HostServiceError } from './errors';
export type { HostServiceErrorCode } from './errors';
export type { ConfigTokenRequest, StartValuesRequest } from './start-values';
export { secretsEqual } from './start-values';
export { buildCreateOptions, CAP_ADD, CONTAINER_PORTS, LABEL_APP, LABEL_ID } from './container-config';
export type { ContainerSpec } from './container-config';
export { parseMountCommand } from './mount-command';
export { RESOURCE_FILES } from './resource-files';
export type { TrackedContainer } from './registry';

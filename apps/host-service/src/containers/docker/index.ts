export { DockerError, isDockerError } from './docker-engine';
export type {
  CreateBody,
  DockerEngine,
  DockerErrorCode,
  EventsQuery,
  ListedContainer,
} from './docker-engine';
export { DockerodeEngine, toDockerError } from './dockerode-engine';

export {
  S3ConfigStore,
  DEFAULT_S3_CONNECTION_TIMEOUT_MS,
  DEFAULT_S3_SOCKET_TIMEOUT_MS,
} from './stores/s3-config-store';
export type { S3ConfigStoreOptions } from './stores/s3-config-store';

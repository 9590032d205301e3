export {
  validateConfigKey,
  validateConfigKeySegment,
  configObjectKey,
  CONFIG_OBJECT_NAME,
} from './config-key';
export type { ConfigKey } from './config-key';
export { packConfigArchive, unpackConfigArchive } from './archive/config-archive';
export type { Lz4Engine, PackOptions, UnpackOptions } from './archive/config-archive';
export type { Owner } from './archive/tar-unpack';
export type {
  ConfigStore,
  ArchiveGeneration,
  PutOptions,
  StoreCallOptions,
  StoredArchiveInfo,
} from './stores/config-store';
export { LocalDirConfigStore } from './stores/local-dir-config-store';
export { UserConfigSync } from './sync/user-config-sync';
export type { UserConfigSyncOptions, SyncRequest } from './sync/user-config-sync';
export type { UserConfigLogger } from './logger';
export {
  UserConfigError,
  ConfigDecryptError,
  ConfigCorruptError,
  UnsafeArchiveEntryError,
  InvalidConfigKeyError,
  ConfigStoreError,
  ConfigIoError,
} from './errors';
export type { UserConfigErrorCode } from './errors';

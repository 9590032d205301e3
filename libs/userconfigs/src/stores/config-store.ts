import type { Readable } from 'node:stream';
import type { ConfigKey } from '../config-key';

/** Where encrypted config archives live, one object per (user, app). */
export interface ConfigStore {
  /** The archive's bytes, or null when there is none yet (the user's first session). */
  get(key: ConfigKey): Promise<Readable | null>;
  /** Stores `body` whole; resolves only once the store confirmed it. Fails with ConfigStoreError. */
  put(key: ConfigKey, body: Readable, contentLength?: number): Promise<void>;
}

import type { Readable } from 'node:stream';
import type { ConfigKey } from '../config-key';

/** The current archive of a key, or the previous generation kept by `keepAsPrevious`. */
export type ArchiveGeneration = 'current' | 'previous';

export interface StoreCallOptions {
  /** Aborts the request (and the body stream `get` returned) when it fires. */
  signal?: AbortSignal;
  /** Default 'current'. */
  generation?: ArchiveGeneration;
  /** `get` only: at most this many bytes from the start (an S3 Range request). */
  firstBytes?: number;
}

export interface PutOptions {
  contentLength?: number;
  /** When the session this archive saves ended (ms since the epoch); stored with the object. */
  endedAt?: number;
  signal?: AbortSignal;
}

/** What `head` knows about a stored archive without reading it. */
export interface StoredArchiveInfo {
  /** Changes whenever the bytes change (S3 ETag; size, mtime and inode for a local file). */
  version: string;
  /** When the session it saves ended; undefined for archives written without it (the Go service). */
  endedAt?: number;
}

/** Where encrypted config archives live, one object per (user, app), plus one previous generation. */
export interface ConfigStore {
  /** The archive's bytes, or null when there is none yet (the user's first session). */
  get(key: ConfigKey, options?: StoreCallOptions): Promise<Readable | null>;
  /** The archive's version and session end, or null when there is none. */
  head(key: ConfigKey, options?: StoreCallOptions): Promise<StoredArchiveInfo | null>;
  /**
   * Stores `body` whole as the current generation; resolves only once the store confirmed it.
   * Fails with ConfigStoreError. A number is the content length (the call shape of 0.1).
   */
  put(key: ConfigKey, body: Readable, options?: PutOptions | number): Promise<void>;
  /** Copies the current archive (with its session end) over the previous generation. */
  keepAsPrevious(key: ConfigKey, options?: { signal?: AbortSignal }): Promise<void>;
}

/** The object key of a generation: the previous one sits beside the current as `<key>.prev`. */
export function generationKey(objectKey: string, generation: ArchiveGeneration = 'current'): string {
  return generation === 'previous' ? `${objectKey}.prev` : objectKey;
}

export function putOptions(options: PutOptions | number | undefined): PutOptions {
  return typeof options === 'number' ? { contentLength: options } : (options ?? {});
}

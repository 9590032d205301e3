import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import { configObjectKey, type ConfigKey } from '../config-key';
import { ConfigStoreError, UserConfigError } from '../errors';
import {
  generationKey,
  putOptions,
  type ConfigStore,
  type PutOptions,
  type StoreCallOptions,
  type StoredArchiveInfo,
} from './config-store';
import { destroyOnAbort } from './local-dir-config-store';

const PART_SIZE = 8 * 1024 * 1024;
const ENDED_AT = 'fractal-session-ended-at';
/** A TCP connect to S3 takes milliseconds; 3 s allows two lost SYNs (retransmits at 1 s, 2 s). */
export const DEFAULT_S3_CONNECTION_TIMEOUT_MS = 3_000;
/** S3 answers within a second; a loaded s3rver was seen silent for > 5 s after a multipart part. */
export const DEFAULT_S3_SOCKET_TIMEOUT_MS = 10_000;

export interface S3ConfigStoreOptions {
  /** The bucket; which one is the caller's policy. The library reads no environment variable itself. */
  bucket: string;
  /** A ready client; when given, `clientConfig` and the timeouts are ignored. */
  client?: S3Client;
  /** Passed to `new S3Client`; region, credentials and endpoint otherwise come the standard SDK way. */
  clientConfig?: S3ClientConfig;
  /**
   * Only used to switch on path-style addressing when `AWS_ENDPOINT_URL(_S3)` points the SDK at a
   * custom endpoint (s3rver, MinIO). Pass `process.env` to get that; default none.
   */
  env?: Record<string, string | undefined>;
  /** Connect timeout per attempt; default 3000. */
  connectionTimeoutMs?: number;
  /** Socket idle timeout per attempt (no byte for this long fails the attempt); default 10000. */
  socketTimeoutMs?: number;
}

/**
 * Config archives in S3 at `<user_id>/<app_name>/fractal-app-config.tar.lz4.enc`, the previous
 * generation at `….prev`, the session end as `x-amz-meta-fractal-session-ended-at`. Uploads
 * stream through lib-storage (multipart past 8 MB, two parts in flight); every call has explicit
 * connect and socket-idle timeouts and takes an AbortSignal; a missing object is a first session.
 */
export class S3ConfigStore implements ConfigStore {
  readonly bucket: string;
  private readonly client: S3Client;

  constructor(options: S3ConfigStoreOptions) {
    // Checked at run time too: a JavaScript caller may leave it out.
    const bucket: unknown = (options as S3ConfigStoreOptions | undefined)?.bucket;
    if (typeof bucket !== 'string' || bucket.length === 0) {
      throw new UserConfigError('INVALID_OPTIONS', 'S3ConfigStore: bucket is empty; pass the bucket name');
    }
    this.bucket = bucket;
    this.client = options.client ?? new S3Client(withDefaults(options));
  }

  async get(key: ConfigKey, options: StoreCallOptions = {}): Promise<Readable | null> {
    const objectKey = generationKey(configObjectKey(key), options.generation);
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: objectKey,
          // A ranged read carries no whole-object checksum to check.
          ...(options.firstBytes
            ? { Range: `bytes=0-${options.firstBytes - 1}` }
            : { ChecksumMode: 'ENABLED' as const }),
        }),
        { abortSignal: options.signal },
      );
      if (!out.Body) throw new Error('S3 answered without a body');
      const body = out.Body as Readable;
      destroyOnAbort(body, options.signal);
      return body;
    } catch (err) {
      if (isMissing(err)) return null;
      throw this.storeError('download', objectKey, err);
    }
  }

  async head(key: ConfigKey, options: StoreCallOptions = {}): Promise<StoredArchiveInfo | null> {
    const objectKey = generationKey(configObjectKey(key), options.generation);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }), {
        abortSignal: options.signal,
      });
      const endedAt = Number(out.Metadata?.[ENDED_AT]);
      return {
        version: out.ETag ?? `${out.ContentLength}:${out.LastModified?.getTime()}`,
        endedAt: Number.isFinite(endedAt) && out.Metadata?.[ENDED_AT] ? endedAt : undefined,
      };
    } catch (err) {
      if (isMissing(err)) return null;
      throw this.storeError('look up', objectKey, err);
    }
  }

  async put(key: ConfigKey, body: Readable, options?: PutOptions | number): Promise<void> {
    const { contentLength, endedAt, signal } = putOptions(options);
    const objectKey = configObjectKey(key);
    const abort = new AbortController();
    const onAbort = (): void => abort.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: objectKey,
        Body: body,
        ContentLength: contentLength,
        Metadata: endedAt === undefined ? undefined : { [ENDED_AT]: String(endedAt) },
      },
      partSize: PART_SIZE,
      queueSize: 2,
      leavePartsOnError: false,
      abortController: abort,
    });
    try {
      signal?.throwIfAborted();
      await upload.done();
    } catch (err) {
      body.destroy();
      throw this.storeError('upload', objectKey, err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async keepAsPrevious(key: ConfigKey, options: { signal?: AbortSignal } = {}): Promise<void> {
    const objectKey = configObjectKey(key);
    const source = `${this.bucket}/${objectKey.split('/').map(encodeURIComponent).join('/')}`;
    const target = generationKey(objectKey, 'previous');
    try {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: target,
          CopySource: source,
          MetadataDirective: 'COPY',
        }),
        { abortSignal: options.signal },
      );
    } catch (err) {
      throw this.storeError('copy to previous generation', target, err);
    }
  }

  private storeError(what: string, objectKey: string, cause: unknown): ConfigStoreError {
    const status = (cause as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
    const reason = `${(cause as Error)?.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${(cause as Error)?.message}`;
    return new ConfigStoreError(
      objectKey,
      `cannot ${what} s3://${this.bucket}/${objectKey}: ${reason}; check S3 access and retry`,
      { cause },
    );
  }
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  // A missing bucket is a deployment error, not a first session.
  if (e?.name === 'NoSuchBucket') return false;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

function withDefaults(options: S3ConfigStoreOptions): S3ClientConfig {
  const config = options.clientConfig ?? {};
  const env = options.env ?? {};
  // A custom endpoint (localstack, s3rver, MinIO) almost never has virtual-host DNS: path style.
  const custom = config.endpoint !== undefined || !!env['AWS_ENDPOINT_URL_S3'] || !!env['AWS_ENDPOINT_URL'];
  return {
    forcePathStyle: custom,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? DEFAULT_S3_CONNECTION_TIMEOUT_MS,
      socketTimeout: options.socketTimeoutMs ?? DEFAULT_S3_SOCKET_TIMEOUT_MS,
    },
    ...config,
  };
}

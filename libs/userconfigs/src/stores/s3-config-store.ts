import { GetObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import { configObjectKey, type ConfigKey } from '../config-key';
import { ConfigStoreError, UserConfigError } from '../errors';
import type { ConfigStore } from './config-store';

export const DEFAULT_USER_CONFIGS_BUCKET = 'fractal-user-app-configs';
const PART_SIZE = 8 * 1024 * 1024;

export interface S3ConfigStoreOptions {
  /** Default: `USER_CONFIGS_BUCKET` from `env`, else 'fractal-user-app-configs'. */
  bucket?: string;
  /** A ready client; when given, `clientConfig` is ignored. */
  client?: S3Client;
  /** Passed to `new S3Client`; region, credentials and endpoint otherwise come the standard SDK way. */
  clientConfig?: S3ClientConfig;
  /** Where `USER_CONFIGS_BUCKET` and `AWS_ENDPOINT_URL(_S3)` are read; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Config archives in S3 at `<user_id>/<app_name>/fractal-app-config.tar.lz4.enc`. Uploads stream
 * through lib-storage (multipart past 8 MB, two parts in flight), with the SDK's retries and its
 * CRC checksums; a missing object is a first session.
 */
export class S3ConfigStore implements ConfigStore {
  readonly bucket: string;
  private readonly client: S3Client;

  constructor(options: S3ConfigStoreOptions = {}) {
    const env = options.env ?? process.env;
    this.bucket = options.bucket ?? env['USER_CONFIGS_BUCKET'] ?? DEFAULT_USER_CONFIGS_BUCKET;
    if (this.bucket.length === 0) {
      throw new UserConfigError(
        'INVALID_OPTIONS',
        'S3ConfigStore: bucket is empty; set USER_CONFIGS_BUCKET or pass bucket',
      );
    }
    this.client = options.client ?? new S3Client(withLocalDefaults(options.clientConfig ?? {}, env));
  }

  async get(key: ConfigKey): Promise<Readable | null> {
    const objectKey = configObjectKey(key);
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: objectKey, ChecksumMode: 'ENABLED' }),
      );
      if (!out.Body) throw new Error('S3 answered without a body');
      return out.Body as Readable;
    } catch (err) {
      if (isMissing(err)) return null;
      throw this.storeError('download', objectKey, err);
    }
  }

  async put(key: ConfigKey, body: Readable, contentLength?: number): Promise<void> {
    const objectKey = configObjectKey(key);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: objectKey, Body: body, ContentLength: contentLength },
      partSize: PART_SIZE,
      queueSize: 2,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      body.destroy();
      throw this.storeError('upload', objectKey, err);
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

/** A custom endpoint (localstack, s3rver, MinIO) almost never has virtual-host DNS: path style. */
function withLocalDefaults(config: S3ClientConfig, env: NodeJS.ProcessEnv): S3ClientConfig {
  const custom = config.endpoint !== undefined || !!env['AWS_ENDPOINT_URL_S3'] || !!env['AWS_ENDPOINT_URL'];
  return { forcePathStyle: custom, ...config };
}

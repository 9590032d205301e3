// s3rver ships no types: the reference brings ours into every program that compiles this file, so
// a project importing @tools/testing need not list tools/testing/types itself.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../types/s3rver.d.ts" />
import type S3rver from 's3rver';

export interface S3rverStandIn {
  readonly server: S3rver;
  readonly port: number;
  /** `http://127.0.0.1:<port>`, for an S3 client's `endpoint`. */
  readonly endpoint: string;
}

/**
 * A real S3 API server (s3rver) on 127.0.0.1 with `bucket` made, keeping its objects in
 * `directory`; `port` 0 picks one. Stop it with `server.close()`. (s3rver is loaded on the first
 * call, so a spec that imports `@tools/testing` for something else does not pay for it.)
 */
export async function startS3rver(directory: string, bucket: string, port = 0): Promise<S3rverStandIn> {
  const { default: S3rverServer } = await import('s3rver');
  const server = new S3rverServer({
    address: '127.0.0.1',
    port,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const info = await server.run();
  return { server, port: info.port, endpoint: `http://127.0.0.1:${info.port}` };
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type S3rver from 's3rver';
import { startS3rver } from '@tools/testing';
import { createMemoryLogger } from '@fractal/logger/testing';
import { S3ConfigStore } from '@fractal/userconfigs/s3';
import { awsSdkLogging } from './aws-sdk-logging';

const BUCKET = 'aws-sdk-logging';

/** The SDK's warnings reach our JSON log, never plain text on stderr. */
describe('awsSdkLogging against a real S3 API server', () => {
  let dir: string;
  let s3: S3rver;
  let endpoint: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aws-sdk-logging-'));
    ({ server: s3, endpoint } = await startS3rver(dir, BUCKET));
  });
  afterAll(async () => {
    process.env = saved;
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends the multiple-credential-sources warning to the logger, not to stderr', async () => {
    // Both a profile and static keys: the SDK warns once per process when it resolves credentials.
    Object.assign(process.env, {
      AWS_PROFILE: 'fractal-test-no-such-profile',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      AWS_CONFIG_FILE: join(dir, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
    });
    const memory = createMemoryLogger();
    const stderr = jest.spyOn(process.stderr, 'write');
    const warn = jest.spyOn(console, 'warn');
    const store = new S3ConfigStore({
      bucket: BUCKET,
      clientConfig: { endpoint, forcePathStyle: true, ...awsSdkLogging(memory.logger) },
    });
    await store.get({ userId: 'u', appName: 'a' }).catch(() => undefined);
    expect(warn).not.toHaveBeenCalled();
    expect(stderr).not.toHaveBeenCalled();
    expect(memory.lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        component: 'aws-sdk',
        msg: expect.stringContaining('Multiple credential sources'),
      }),
    ]);
  });
});

import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type S3rver from 's3rver';
import { startS3rver } from '@tools/testing';
import { TARBALL, WORKSPACE, removeTempDir, runProgram, tempDir } from '../test/release';

const BUCKET = 'release-test-bucket';
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** `nx run host-service:publish` (tools/release/publish.mts) against s3rver on loopback. */
describe('publishing the release to S3', () => {
  let dir: string;
  let server: S3rver;
  let endpoint: string;
  let client: S3Client;
  const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: dir,
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    FRACTAL_RELEASE_BUCKET: BUCKET,
    ...extra,
  });
  const publish = (extra: Record<string, string>) =>
    runProgram(process.execPath, [join(WORKSPACE, 'tools', 'release', 'publish.mts')], {
      env: env(extra),
      cwd: WORKSPACE,
    });
  const object = async (key: string): Promise<Buffer> => {
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(
      await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  };

  beforeAll(async () => {
    dir = await tempDir('publish');
    ({ server, endpoint } = await startS3rver(join(dir, 's3'), BUCKET));
    client = new S3Client({ endpoint, region: 'us-east-1', credentials, forcePathStyle: true });
  });
  afterAll(async () => {
    client?.destroy();
    await server?.close();
    await removeTempDir(dir);
  });

  it('uploads the tarball and its .sha256 under <branch>/<file>', async () => {
    const result = await publish({ FRACTAL_RELEASE_BRANCH: 'feature/release-test' });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const name = basename(TARBALL);
    expect(result.stdout).toContain(`s3://${BUCKET}/feature/release-test/${name} `);
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'feature/release-test/' }),
    );
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([
      `feature/release-test/${name}`,
      `feature/release-test/${name}.sha256`,
    ]);
    const tarball = await object(`feature/release-test/${name}`);
    expect(tarball.equals(await readFile(TARBALL))).toBe(true);
    const sum = (await object(`feature/release-test/${name}.sha256`)).toString('utf8');
    expect(sum).toBe(`${createHash('sha256').update(tarball).digest('hex')}  ${name}\n`);
  });

  it('refuses a tarball that disagrees with its .sha256, and uploads nothing', async () => {
    const version = `0.0.0-publish-test-${process.pid}`;
    const bad = join(WORKSPACE, 'dist', 'release', `fractal-host-service-${version}-linux-x64.tar.gz`);
    await copyFile(TARBALL, bad);
    await writeFile(`${bad}.sha256`, `${'0'.repeat(64)}  ${basename(bad)}\n`);
    try {
      const result = await publish({ FRACTAL_RELEASE_BRANCH: 'bad', FRACTAL_RELEASE_VERSION: version });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('the tarball hashes to');
      const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'bad/' }));
      expect(listed.Contents ?? []).toEqual([]);
    } finally {
      await rm(bad, { force: true });
      await rm(`${bad}.sha256`, { force: true });
    }
  });

  it('says what to set when there is no bucket or no usable branch name', async () => {
    const noBucket = await publish({ FRACTAL_RELEASE_BRANCH: 'x', FRACTAL_RELEASE_BUCKET: 'missing-bucket' });
    expect(noBucket.code).toBe(1);
    expect(noBucket.stderr).toContain('upload to s3://missing-bucket/x/ failed: NoSuchBucket');
    const badBranch = await publish({ FRACTAL_RELEASE_BRANCH: '../escape' });
    expect(badBranch).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot be a key prefix') });
  });
});

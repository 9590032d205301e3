// Uploads the release tarball and its .sha256 to S3 under `<git branch>/<file>`, as the Go
// service's `make upload` did: `npx nx run host-service:publish` (after `package`).
//
//   FRACTAL_RELEASE_BUCKET   bucket (default fractal-ecs-host-service)
//   FRACTAL_RELEASE_BRANCH   key prefix (default: the checked-out git branch)
//   FRACTAL_RELEASE_VERSION  which tarball (default: apps/host-service/package.json's version)
//   AWS_*                    credentials, region, AWS_ENDPOINT_URL_S3, the standard SDK way
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

const DEFAULT_BUCKET = 'fractal-ecs-host-service';

function fail(message: string): never {
  console.error(`publish: ${message}`);
  process.exit(1);
}

function branchName(env: NodeJS.ProcessEnv): string {
  const fromEnv = env['FRACTAL_RELEASE_BRANCH'];
  let branch = fromEnv;
  if (branch === undefined || branch === '') {
    try {
      branch = execFileSync('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch (err) {
      fail(
        `cannot read the git branch (${(err as Error).message.split('\n')[0]}); set FRACTAL_RELEASE_BRANCH`,
      );
    }
  }
  if (branch === 'HEAD')
    fail('HEAD is detached, so there is no branch to publish under; set FRACTAL_RELEASE_BRANCH');
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(branch) || branch.split('/').includes('..')) {
    fail(`branch "${branch}" cannot be a key prefix (letters, digits, . _ - and / only)`);
  }
  return branch;
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function main(): Promise<void> {
  const env = process.env;
  const root = join(import.meta.dirname, '..', '..');
  const version =
    env['FRACTAL_RELEASE_VERSION'] ||
    (JSON.parse(readFileSync(join(root, 'apps/host-service/package.json'), 'utf8')) as { version: string })
      .version;
  const tarball = join(root, 'dist', 'release', `fractal-host-service-${version}-linux-x64.tar.gz`);
  const checksum = `${tarball}.sha256`;
  for (const file of [tarball, checksum]) {
    try {
      statSync(file);
    } catch {
      fail(`${file} is missing: run npx nx run host-service:package`);
    }
  }
  // Never publish a pair that disagrees: hosts verify the tarball against the .sha256.
  const expected = readFileSync(checksum, 'utf8').split(/\s+/)[0];
  const actual = await sha256(tarball);
  if (expected !== actual)
    fail(`${basename(checksum)} says ${expected}, the tarball hashes to ${actual}; package again`);

  const bucket = env['FRACTAL_RELEASE_BUCKET'] || DEFAULT_BUCKET;
  const branch = branchName(env);
  const custom = Boolean(env['AWS_ENDPOINT_URL_S3'] || env['AWS_ENDPOINT_URL']);
  const client = new S3Client({ forcePathStyle: custom });
  try {
    // The tarball first: a .sha256 in the bucket means its tarball is complete.
    for (const [file, contentType] of [
      [tarball, 'application/gzip'],
      [checksum, 'text/plain'],
    ] as const) {
      const key = `${branch}/${basename(file)}`;
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: createReadStream(file), ContentType: contentType },
        partSize: 16 * 1024 * 1024,
        queueSize: 2,
      });
      await upload.done();
      console.log(`publish: s3://${bucket}/${key} (${statSync(file).size} bytes)`);
    }
  } catch (err) {
    fail(`upload to s3://${bucket}/${branch}/ failed: ${(err as Error).name}: ${(err as Error).message}`);
  } finally {
    client.destroy();
  }
}

await main();

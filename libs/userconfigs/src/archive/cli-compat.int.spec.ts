import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { ConfigDecryptError } from '../errors';
import {
  packArchive,
  packConfigArchive,
  unpackArchive,
  unpackConfigArchive,
  type Lz4Engine,
} from './config-archive';
import { buildCodecWorker } from '../../test/codec-worker';
import { buildSampleTree, snapshotTree, tempDir } from '../../test/craft';

const sh = promisify(execFile);
const bash = (script: string): Promise<{ stdout: string }> => sh('bash', ['-euo', 'pipefail', '-c', script]);

describe('compatibility with tar -I lz4 and openssl enc', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let src: string;
  beforeEach(async () => {
    tmp = await tempDir();
    src = join(tmp.path, 'src');
    await buildSampleTree(src);
  });
  afterEach(() => tmp.cleanup());

  it.each([
    ['tar -I lz4 (CLI defaults)', 'tar -C "$SRC" -I lz4 -cf - .'],
    ['linked 64 KB blocks with block checksums', 'tar -C "$SRC" -cf - . | lz4 -BD -B4 -BX -c'],
    ['pax format', 'tar -C "$SRC" --format=pax -cf - . | lz4 -c'],
  ])('restores an archive made by %s + openssl', async (_what, tarCmd) => {
    const archive = join(tmp.path, 'cli.enc');
    await sh(
      'bash',
      ['-euo', 'pipefail', '-c', `${tarCmd} | openssl aes-256-cbc -e -pbkdf2 -pass pass:T > "$OUT"`],
      {
        env: { ...process.env, SRC: src, OUT: archive },
      },
    );
    const dst = join(tmp.path, 'dst');
    await unpackConfigArchive(createReadStream(archive), 'T', dst);
    expect(await snapshotTree(dst)).toEqual(await snapshotTree(src));
    await expect(
      unpackConfigArchive(createReadStream(archive), 'not-T', join(tmp.path, 'x')),
    ).rejects.toThrow(ConfigDecryptError);
  });

  it('writes archives that openssl decrypts and tar -I lz4 extracts to the same tree', async () => {
    const archive = join(tmp.path, 'ours.enc');
    await pipeline(packConfigArchive(src, 'T'), createWriteStream(archive));
    const dst = join(tmp.path, 'dst');
    await mkdir(dst);
    await bash(
      `openssl aes-256-cbc -d -pbkdf2 -pass pass:T -in '${archive}' | tar -I lz4 -xpf - -C '${dst}'`,
    );
    expect(await snapshotTree(dst)).toEqual(await snapshotTree(src));
    const { stdout } = await bash(
      `openssl aes-256-cbc -d -pbkdf2 -pass pass:T -in '${archive}' | lz4 -t -v 2>&1`,
    );
    expect(stdout).toMatch(/decoded|OK|Completed/i);
  });

  it('openssl refuses our archive with a wrong token', async () => {
    const archive = join(tmp.path, 'ours.enc');
    await pipeline(packConfigArchive(src, 'T'), createWriteStream(archive));
    await expect(
      bash(`openssl aes-256-cbc -d -pbkdf2 -pass pass:wrong -in '${archive}' | lz4 -t`),
    ).rejects.toThrow();
  });

  it.each([
    ['liblz4 on the thread pool', 'native', false],
    ['TypeScript LZ4 on this thread', 'js', false],
    ['TypeScript LZ4 on the codec worker', 'js', true],
  ] as [string, Lz4Engine, boolean][])(
    'stays byte-compatible both ways with %s',
    async (_what, lz4, useWorker) => {
      const worker = useWorker && buildCodecWorker(join(tmp.path, 'worker'));
      const ours = join(tmp.path, 'ours.enc');
      await pipeline(packArchive(src, 'T', { lz4 }, worker), createWriteStream(ours));
      const dst = join(tmp.path, 'dst');
      await mkdir(dst);
      await bash(`openssl aes-256-cbc -d -pbkdf2 -pass pass:T -in '${ours}' | tar -I lz4 -xpf - -C '${dst}'`);
      expect(await snapshotTree(dst)).toEqual(await snapshotTree(src));
      const theirs = join(tmp.path, 'cli.enc');
      await bash(
        `tar -C '${src}' -I lz4 -cf - . | openssl aes-256-cbc -e -pbkdf2 -pass pass:T > '${theirs}'`,
      );
      const dst2 = join(tmp.path, 'dst2');
      await unpackArchive(createReadStream(theirs), 'T', dst2, { lz4 }, worker);
      expect(await snapshotTree(dst2)).toEqual(await snapshotTree(src));
    },
  );
});

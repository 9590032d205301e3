import { createReadStream, createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConfigCorruptError, ConfigDecryptError } from '../errors';
import { packArchive, unpackArchive } from './config-archive';
import { buildCodecWorker } from './codec-worker.test-util';
import { buildSampleTree, collect, fdsUnder, snapshotTree, tempDir } from './craft.test-util';

// The in-thread codec runs as TypeScript under ts-jest: slow on a loaded machine.
jest.setTimeout(60_000);

// The worker path must produce and accept exactly what the in-thread codec does.
describe('config codec on a worker thread', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let worker: string;
  beforeAll(async () => {
    tmp = await tempDir();
    worker = buildCodecWorker(join(tmp.path, 'worker'));
  });
  afterAll(() => tmp.cleanup());

  it('round-trips a tree both ways between worker and in-thread codecs', async () => {
    const src = join(tmp.path, 'src');
    await buildSampleTree(src);
    // Several 4 MB blocks, one exactly full, text and incompressible.
    const big = Buffer.alloc(4 * 1024 * 1024 + 77);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(Math.imul(i, 2654435761) >>> 0, i);
    await writeFile(join(src, 'big.bin'), big);
    await writeFile(join(src, 'full.txt'), Buffer.alloc(4 * 1024 * 1024 - 512, 'ab'));
    const want = await snapshotTree(src);
    for (const [packWith, unpackWith] of [
      [worker, false],
      [false, worker],
      [worker, worker],
    ] as const) {
      const archive = join(tmp.path, 'a.enc');
      await pipeline(packArchive(src, 'T', {}, packWith), createWriteStream(archive));
      const dst = join(tmp.path, `dst-${String(packWith !== false)}-${String(unpackWith !== false)}`);
      await unpackArchive(createReadStream(archive), 'T', dst, {}, unpackWith);
      expect(await snapshotTree(dst)).toEqual(want);
    }
    expect(await fdsUnder(tmp.path)).toEqual([]);
  });

  it('reports a wrong token and a damaged archive as the in-thread codec does', async () => {
    const src = join(tmp.path, 'src2');
    await buildSampleTree(src);
    const archive = await collect(packArchive(src, 'T', {}, worker));
    await expect(
      unpackArchive(Readable.from([archive]), 'wrong', join(tmp.path, 'x1'), {}, worker),
    ).rejects.toThrow(ConfigDecryptError);
    const damaged = Buffer.from(archive);
    damaged[damaged.length - 40] ^= 1;
    await expect(
      unpackArchive(Readable.from([damaged]), 'T', join(tmp.path, 'x2'), {}, worker),
    ).rejects.toThrow(ConfigCorruptError);
    await expect(
      unpackArchive(Readable.from([archive.subarray(0, 5000)]), 'T', join(tmp.path, 'x3'), {}, worker),
    ).rejects.toThrow(ConfigCorruptError);
  });

  it('passes a failing source on as a corrupt archive and stops the worker', async () => {
    const source = new Readable({
      read() {
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(unpackArchive(source, 'T', join(tmp.path, 'x4'), {}, worker)).rejects.toThrow(
      /connection reset/,
    );
  });
});

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { packArchive, unpackArchive, type Lz4Engine } from './config-archive';
import { buildCodecWorker } from '../../test/codec-worker';
import { collect, fdsUnder, snapshotTree, tempDir } from '../../test/craft';

const FILES = 8;
const FILE_BYTES = 512 * 1024;
const REASON = new Error('session gone');

// The in-thread codec runs as TypeScript under ts-jest: slow on a loaded machine.
jest.setTimeout(60_000);

describe.each([
  ['with liblz4 on the thread pool', 'native', false],
  ['with TypeScript LZ4 on this thread', 'js', false],
  ['with TypeScript LZ4 on a worker thread', 'js', true],
] as [string, Lz4Engine, boolean][])('aborting the codec %s', (where, lz4, useWorker) => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let worker: string | false;
  let src: string;
  let archive: Buffer;
  beforeAll(async () => {
    tmp = await tempDir();
    worker = useWorker ? buildCodecWorker(join(tmp.path, 'worker')) : false;
    src = join(tmp.path, 'src');
    await mkdir(src);
    // Incompressible, so the archive is as long as the tree and arrives over many chunks.
    for (let i = 0; i < FILES; i++) await writeFile(join(src, `f${i}`), randomBytes(FILE_BYTES));
    archive = await collect(packArchive(src, 'T', { lz4 }, worker));
  });
  afterAll(() => tmp.cleanup());

  /** The archive in 64 KB chunks; aborts once `abortAfter` bytes went out, then keeps going. */
  function source(abortAfter: number, controller: AbortController): Readable & { served: () => number } {
    let offset = 0;
    const s = new Readable({
      read() {
        if (offset >= abortAfter && !controller.signal.aborted) controller.abort(REASON);
        if (offset >= archive.length) return void this.push(null);
        this.push(archive.subarray(offset, offset + 65536));
        offset += 65536;
      },
    });
    return Object.assign(s, { served: () => offset });
  }

  it('unpack stops reading and writing, and rejects with the reason', async () => {
    const controller = new AbortController();
    const dst = join(tmp.path, `dst-${where}`);
    const from = source(2 * FILE_BYTES, controller);
    const started = Date.now();
    await expect(unpackArchive(from, 'T', dst, { signal: controller.signal, lz4 }, worker)).rejects.toBe(
      REASON,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(from.destroyed).toBe(true);
    // Stopped early: it neither read the whole archive nor wrote the whole tree.
    expect(from.served()).toBeLessThan(archive.length);
    const after = await snapshotTree(dst);
    expect(after.filter((e) => e.type === 'file').length).toBeLessThan(FILES);
    expect(await fdsUnder(dst)).toEqual([]);
    // Nothing still writes once it settled.
    await sleep(200);
    expect(await snapshotTree(dst)).toEqual(after);
  });

  it('unpack with an already aborted signal touches nothing', async () => {
    const dst = join(tmp.path, `never-${where}`);
    const reason = new Error('too late');
    const from = Readable.from([archive]);
    await expect(
      unpackArchive(from, 'T', dst, { signal: AbortSignal.abort(reason), lz4 }, worker),
    ).rejects.toBe(reason);
    expect(existsSync(dst)).toBe(false);
    expect(from.destroyed).toBe(true);
  });

  it('pack stops the walk and the reads, and fails the stream with the reason', async () => {
    const controller = new AbortController();
    const packed = packArchive(src, 'T', { signal: controller.signal, lz4 }, worker);
    let received = 0;
    const sink = new Writable({
      write(chunk: Buffer, _enc, callback) {
        received += chunk.length;
        if (received > FILE_BYTES) controller.abort(REASON);
        callback();
      },
    });
    await expect(pipeline(packed, sink)).rejects.toBe(REASON);
    expect(received).toBeLessThan(archive.length);
    await sleep(50);
    expect(await fdsUnder(src)).toEqual([]);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, rename, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { ConfigIoError } from '../errors';
import { buildSampleTree, fdsUnder, tempDir } from '../../test/craft';
import { packTar, type TarSink } from './tar-pack';

const SECRET = 'root:SECRET-HASH-0123456789';

/** Collects the tar in memory; `onTake` runs at every take (between entries, between chunks). */
class MemorySink implements TarSink {
  private pending = Buffer.alloc(0);
  private staged = Buffer.alloc(0);
  takes = 0;

  constructor(private readonly onTake: (n: number) => Promise<void> | void = () => undefined) {}

  write(bytes: Uint8Array): void {
    this.pending = Buffer.concat([this.pending, bytes]);
  }
  space(): Buffer {
    this.staged = Buffer.alloc(64 * 1024);
    return this.staged;
  }
  commit(n: number): void {
    this.write(this.staged.subarray(0, n));
  }
  async take(): Promise<Buffer[]> {
    await this.onTake(++this.takes);
    const out = this.pending;
    this.pending = Buffer.alloc(0);
    return out.length ? [out] : [];
  }
}

async function pack(dir: string, sink: TarSink = new MemorySink(), procSelfFd?: string): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const b of packTar(dir, sink, {}, procSelfFd)) out.push(b);
  return Buffer.concat(out);
}

async function entries(tar: Buffer): Promise<{ name: string; type: string; body: string }[]> {
  const out: { name: string; type: string; body: string }[] = [];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (h, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        out.push({ name: h.name, type: h.type ?? 'file', body: Buffer.concat(chunks).toString() });
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  Readable.from([tar]).pipe(ex);
  await done;
  return out;
}

describe('packTar', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let outside: string;
  beforeEach(async () => {
    tmp = await tempDir('tar-pack-');
    // What lies outside the packed dir: a file of the same name and size as one inside.
    outside = join(tmp.path, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'd'), SECRET);
    await writeFile(join(outside, 'only-outside'), SECRET);
  });
  afterEach(() => tmp.cleanup());

  const outsideUntouched = async (): Promise<void> => {
    expect((await readdir(outside)).sort()).toEqual(['d', 'only-outside']);
    expect(await readFile(join(outside, 'd'), 'utf8')).toBe(SECRET);
  };

  it('lists the tree as tar -c does, the same bytes through fds and through paths', async () => {
    const src = join(tmp.path, 'src');
    await buildSampleTree(src);
    const anchored = await pack(src);
    const byPath = await pack(src, new MemorySink(), join(tmp.path, 'no-proc'));
    expect(anchored.equals(byPath)).toBe(true);
    const names = (await entries(anchored)).map((e) => e.name);
    const listed = execFileSync('tar', ['-tf', '-'], { input: anchored }).toString().trim().split('\n');
    expect(listed).toEqual(names);
    expect(names).toContain('.config/app/settings.ini');
    expect(names).toContain('run-hardlink.sh');
    expect(await fdsUnder(tmp.path)).toEqual([]);
  });

  it('reads below a directory through the directory it opened, not through its name', async () => {
    // b/c then b/d; after c, b becomes a symlink to `outside` (which has a d of the same size).
    const src = join(tmp.path, 'src');
    await mkdir(join(src, 'b'), { recursive: true });
    await writeFile(join(src, 'b', 'c'), 'c');
    await writeFile(join(src, 'b', 'd'), 'x'.repeat(SECRET.length));
    const sink = new MemorySink(async () => {
      if (sink.takes !== 1) return;
      await rename(join(src, 'b'), join(src, 'b.x'));
      await symlink(outside, join(src, 'b'));
    });
    const tar = await pack(src, sink);
    expect(tar.includes(SECRET)).toBe(false);
    const d = (await entries(tar)).find((e) => e.name === 'b/d');
    expect(d?.body).toBe('x'.repeat(SECRET.length));
    await outsideUntouched();
    expect(await fdsUnder(tmp.path)).toEqual([]);
  });

  it.each([
    ['a symlink to a dir outside', (b: string) => symlink(outside, b)],
    ['another directory', (b: string) => mkdir(b).then(() => writeFile(join(b, 'd'), SECRET))],
  ])('fails, following nothing, when a directory is swapped for %s after its lstat', async (_, swap) => {
    // a (file) then b/ (dir): after a's entry b is swapped.
    const src = join(tmp.path, 'src');
    await mkdir(join(src, 'b'), { recursive: true });
    await writeFile(join(src, 'a'), 'a');
    await writeFile(join(src, 'b', 'd'), 'settings');
    const sink = new MemorySink(async () => {
      if (sink.takes !== 1) return;
      await rename(join(src, 'b'), join(src, 'b.x'));
      await swap(join(src, 'b'));
    });
    const out: Buffer[] = [];
    const run = async (): Promise<void> => {
      for await (const b of packTar(src, sink)) out.push(b);
    };
    await expect(run()).rejects.toThrow(ConfigIoError);
    expect(Buffer.concat(out).includes(SECRET)).toBe(false);
    await outsideUntouched();
    expect(await fdsUnder(tmp.path)).toEqual([]);
  });

  it('fails when a directory was replaced: the error names it', async () => {
    const src = join(tmp.path, 'src');
    await mkdir(join(src, 'b'), { recursive: true });
    await writeFile(join(src, 'a'), 'a');
    const sink = new MemorySink(async () => {
      if (sink.takes !== 1) return;
      await rename(join(src, 'b'), join(src, 'b.x'));
      await symlink(outside, join(src, 'b'));
    });
    await expect(pack(src, sink)).rejects.toThrow(
      `cannot pack ${join(src, 'b')}: it was replaced (by a symlink or another file) while being packed`,
    );
  });

  it('refuses a file swapped for a fifo or another file after its lstat, without blocking', async () => {
    const src = join(tmp.path, 'src');
    await mkdir(src);
    await writeFile(join(src, 'a'), 'a');
    await writeFile(join(src, 'b'), 'settings');
    for (const swap of [
      (b: string) => execFileSync('mkfifo', [b]),
      (b: string) => writeFile(b, 'settings'),
    ]) {
      const sink = new MemorySink(async () => {
        if (sink.takes !== 1) return;
        await rename(join(src, 'b'), join(src, 'b.old'));
        await swap(join(src, 'b'));
      });
      await expect(pack(src, sink)).rejects.toThrow(/it was replaced/);
      await unlink(join(src, 'b'));
      await rename(join(src, 'b.old'), join(src, 'b'));
      expect(await fdsUnder(tmp.path)).toEqual([]);
    }
  });

  it('closes every directory and file it opened when the consumer stops early', async () => {
    const src = join(tmp.path, 'src');
    await mkdir(join(src, 'a', 'b', 'c'), { recursive: true });
    await writeFile(join(src, 'a', 'b', 'c', 'big'), Buffer.alloc(512 * 1024));
    const sink = new MemorySink();
    for await (const b of packTar(src, sink)) {
      void b;
      // Deep in a/b/c with the file open: three dir fds and the file's.
      if (sink.takes === 2) {
        expect((await fdsUnder(src)).length).toBeGreaterThanOrEqual(4);
        break;
      }
    }
    expect(await fdsUnder(tmp.path)).toEqual([]);
  });

  it('stops at the signal and closes what it opened', async () => {
    const src = join(tmp.path, 'src');
    await mkdir(join(src, 'a', 'b'), { recursive: true });
    await writeFile(join(src, 'a', 'b', 'big'), Buffer.alloc(512 * 1024));
    const controller = new AbortController();
    const reason = new Error('session gone');
    const sink = new MemorySink(() => {
      if (sink.takes === 2) controller.abort(reason);
    });
    const run = async (): Promise<void> => {
      for await (const b of packTar(src, sink, { signal: controller.signal })) void b;
    };
    await expect(run()).rejects.toBe(reason);
    expect(await fdsUnder(tmp.path)).toEqual([]);
  });

  it('names the real path, not /proc/self/fd, when an entry vanished', async () => {
    const src = join(tmp.path, 'src');
    await mkdir(src);
    await writeFile(join(src, 'a'), 'a');
    await writeFile(join(src, 'b'), 'b');
    const sink = new MemorySink(async () => {
      if (sink.takes === 1) await unlink(join(src, 'b'));
    });
    const err = await pack(src, sink).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigIoError);
    expect((err as Error).message).toContain(join(src, 'b'));
    expect((err as Error).message).not.toContain('/proc/self/fd');
  });
});

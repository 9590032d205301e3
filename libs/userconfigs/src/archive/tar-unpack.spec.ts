import fsp from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack as tarPack, type Header } from 'tar-stream';
import { collect, fdsUnder, tempDir } from '../../test/craft';
import { unpackTarSafely } from './tar-unpack';

type Entry = Partial<Header> & { name: string } & { content?: string };

function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tarPack();
  const bytes = collect(Readable.from(pack));
  for (const { content, ...header } of entries) pack.entry(header, content ?? '');
  pack.finalize();
  return bytes;
}

describe('unpackTarSafely', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    tmp = await tempDir();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await tmp.cleanup();
  });

  it('closes every file it opened when a background write fails', async () => {
    const probe = await fsp.open('/dev/null');
    const proto = Object.getPrototypeOf(probe) as {
      write: () => Promise<unknown>;
      writev: () => Promise<unknown>;
    };
    await probe.close();
    jest.spyOn(proto, 'write').mockImplementation(() => Promise.reject(new Error('disk full')));
    jest.spyOn(proto, 'writev').mockImplementation(() => Promise.reject(new Error('disk full')));
    const entries: Entry[] = [];
    for (let i = 0; i < 20; i++) entries.push({ name: `f${i}`, content: `content ${i}` });
    const tar = await tarOf(entries);
    const dst = join(tmp.path, 'dst');
    await expect(unpackTarSafely(Readable.from([tar]), dst)).rejects.toThrow(/disk full/);
    expect(await fdsUnder(tmp.path)).toEqual([]);
  });

  it('keeps one fix-up per directory however often the archive repeats it', async () => {
    const chmod = jest.spyOn(fsp, 'chmod');
    const readlink = jest.spyOn(fsp, 'readlink');
    const entries: Entry[] = [];
    for (let i = 0; i < 500; i++) entries.push({ name: 'd/', type: 'directory', mode: 0o750 });
    for (let i = 0; i < 500; i++) entries.push({ name: 'l', type: 'symlink', linkname: 'd' });
    const dst = join(tmp.path, 'dst');
    await unpackTarSafely(Readable.from([await tarOf(entries)]), dst);
    expect(chmod).toHaveBeenCalledTimes(1);
    expect(readlink).toHaveBeenCalledTimes(1);
    expect(((await fsp.stat(join(dst, 'd'))).mode & 0o777).toString(8)).toBe('750');
  });

  it('does not give a file the mode of the directory it replaced', async () => {
    const dst = join(tmp.path, 'dst');
    const tar = await tarOf([
      { name: 'x/', type: 'directory', mode: 0o755 },
      { name: 'x', mode: 0o600, content: 'file now' },
    ]);
    await unpackTarSafely(Readable.from([tar]), dst);
    expect(((await fsp.lstat(join(dst, 'x'))).mode & 0o777).toString(8)).toBe('600');
  });

  it('fails, holding no file open, when a file cannot be opened while its data streams', async () => {
    const dst = join(tmp.path, 'dst');
    const tar = await tarOf([
      { name: 'x/', type: 'directory' },
      { name: 'x/y', content: 'keeps x non-empty' },
      { name: 'x', content: 'z'.repeat(100_000) },
      { name: 'after', content: 'never written' },
    ]);
    await expect(unpackTarSafely(Readable.from([tar]), dst)).rejects.toThrow(/ENOTEMPTY/);
    expect(await fdsUnder(tmp.path)).toEqual([]);
    await expect(fsp.lstat(join(dst, 'after'))).rejects.toThrow(/ENOENT/);
  });
});

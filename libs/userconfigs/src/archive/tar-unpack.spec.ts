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

  it('gives every directory its mode and time, each after all the directories inside it', async () => {
    const chmod = jest.spyOn(fsp, 'chmod');
    const entries: Entry[] = [{ name: 'a/', type: 'directory', mode: 0o555, mtime: new Date(1_000_000) }];
    for (let i = 0; i < 20; i++) {
      entries.push({
        name: `a/b${i}/`,
        type: 'directory',
        mode: 0o500,
        mtime: new Date(2_000_000 + i * 1000),
      });
      entries.push({
        name: `a/b${i}/c/`,
        type: 'directory',
        mode: 0o700,
        mtime: new Date(3_000_000 + i * 1000),
      });
      entries.push({ name: `a/b${i}/c/f`, content: `file ${i}` });
    }
    const dst = join(tmp.path, 'dst');
    await unpackTarSafely(Readable.from([await tarOf(entries)]), dst);
    for (const e of entries.filter((x) => x.type === 'directory')) {
      const st = await fsp.stat(join(dst, e.name));
      expect([e.name, (st.mode & 0o777).toString(8), st.mtimeMs]).toEqual([
        e.name,
        (e.mode as number).toString(8),
        (e.mtime as Date).getTime(),
      ]);
    }
    // A parent's mode (read-only, or no search bit) must not stand in the way of its children's.
    const order = chmod.mock.calls.map(([path]) => String(path).slice(dst.length + 1));
    expect(order).toHaveLength(41);
    for (let i = 0; i < 20; i++) {
      expect(order.indexOf(`a/b${i}/c`)).toBeLessThan(order.indexOf(`a/b${i}`));
      expect(order.indexOf(`a/b${i}`)).toBeLessThan(order.indexOf('a'));
    }
  });

  it('fails with the first directory fix-up that fails, and starts none after it', async () => {
    const real = fsp.chmod;
    const chmod = jest
      .spyOn(fsp, 'chmod')
      .mockImplementation((path, mode) =>
        String(path).endsWith('/d7') ? Promise.reject(new Error('EIO: chmod d7')) : real(path, mode),
      );
    const entries: Entry[] = [];
    for (let i = 0; i < 40; i++) entries.push({ name: `d${i}/`, type: 'directory', mode: 0o750 });
    const dst = join(tmp.path, 'dst');
    await expect(unpackTarSafely(Readable.from([await tarOf(entries)]), dst)).rejects.toThrow(/chmod d7/);
    const calls = chmod.mock.calls.length;
    // At most the fix-ups already running when d7 failed (8 at a time) ran after it.
    expect(calls).toBeLessThan(7 + 1 + 8);
    await new Promise((r) => setTimeout(r, 50));
    expect(chmod.mock.calls.length).toBe(calls);
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

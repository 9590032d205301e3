import { constants, createReadStream, type Stats } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack as tarPack, type Header, type Pack } from 'tar-stream';

type Headers = Partial<Header> & { name: string };
import { ConfigIoError } from '../errors';
import { waitWritable } from './stream-util';

export interface TarPackOptions {
  /** Called for sockets, fifos and device nodes, which a config archive never carries. */
  onSkip?: (relativePath: string, reason: string) => void;
}

/**
 * Streams a tar of `dir`'s contents (names relative, no leading "./", parents before children,
 * sorted), the way `tar -C dir -cf - .` would list it. Symlinks are stored, never followed;
 * files with several links inside the tree become hard links.
 */
export function createTarPackStream(dir: string, options: TarPackOptions = {}): Readable {
  const pack = tarPack();
  const walker = new TreeWalker(pack, dir, options);
  walker.run().then(
    () => pack.finalize(),
    (err: unknown) => pack.destroy(err as Error),
  );
  return Readable.from(pack, { objectMode: false });
}

class TreeWalker {
  private readonly inodes = new Map<string, string>();

  constructor(
    private readonly pack: Pack,
    private readonly root: string,
    private readonly options: TarPackOptions,
  ) {}

  async run(): Promise<void> {
    const st = await this.stat(this.root);
    if (!st.isDirectory()) throw new ConfigIoError(this.root, `cannot pack ${this.root}: not a directory`);
    await this.walk('');
  }

  private async walk(rel: string): Promise<void> {
    const abs = rel === '' ? this.root : join(this.root, rel);
    let names: string[];
    try {
      names = await readdir(abs);
    } catch (err) {
      throw ioError(abs, 'read directory', err);
    }
    names.sort();
    for (const name of names) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      await this.addEntry(childRel);
    }
  }

  private async addEntry(rel: string): Promise<void> {
    const abs = join(this.root, rel);
    const st = await this.stat(abs);
    const base: Headers = { name: rel, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
    if (st.isDirectory()) {
      await this.add({ ...base, name: `${rel}/`, type: 'directory' });
      await this.walk(rel);
    } else if (st.isSymbolicLink()) {
      await this.add({ ...base, type: 'symlink', linkname: await readlink(abs) });
    } else if (st.isFile()) {
      const inode = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? this.inodes.get(inode) : undefined;
      if (first !== undefined) {
        await this.add({ ...base, type: 'link', linkname: first, size: 0 });
        return;
      }
      if (st.nlink > 1) this.inodes.set(inode, rel);
      await this.addFile(abs, { ...base, type: 'file', size: st.size });
    } else {
      this.options.onSkip?.(rel, 'not a regular file, directory or symlink');
    }
  }

  private async addFile(abs: string, header: Headers): Promise<void> {
    let handle;
    try {
      // O_NOFOLLOW: a file swapped for a symlink after lstat is refused, not followed.
      handle = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      throw ioError(abs, 'open', err);
    }
    try {
      await new Promise<void>((resolve, reject) => {
        const sink = this.pack.entry(header, (err) => (err ? reject(err) : resolve()));
        const source = createReadStream('', { fd: handle.fd, autoClose: false, highWaterMark: 256 * 1024 });
        (async () => {
          for await (const chunk of source) {
            if (!sink.write(chunk)) await waitWritable(sink);
          }
          sink.end(undefined);
        })().catch((err: unknown) => {
          sink.destroy(err as Error);
          reject(ioError(abs, 'read', err));
        });
      });
    } finally {
      await handle.close();
    }
  }

  private add(header: Headers): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pack.entry(header, (err) => (err ? reject(err) : resolve()));
    });
  }

  private async stat(abs: string): Promise<Stats> {
    try {
      return await lstat(abs);
    } catch (err) {
      throw ioError(abs, 'stat', err);
    }
  }
}

function ioError(path: string, what: string, cause: unknown): ConfigIoError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ConfigIoError(path, `cannot ${what} ${path} while packing the config: ${reason}`, { cause });
}

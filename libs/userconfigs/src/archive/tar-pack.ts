import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigIoError, errorMessage } from '../errors';
import { encodeTarHeader, tarPadding, TAR_BLOCK, type TarHeader } from './tar-header';

export interface TarPackOptions {
  /** Called for sockets, fifos and device nodes, which a config archive never carries. */
  onSkip?: (relativePath: string, reason: string) => void;
  /** Stops the walk and the reads (the error is the signal's reason); open files are closed. */
  signal?: AbortSignal;
}

/**
 * Where tar bytes go: copied in with `write`, or read straight into `space()` and then
 * `commit`ted, so file contents are never staged in buffers of their own. `take` hands out the
 * output produced so far.
 */
export interface TarSink {
  write(bytes: Uint8Array): void;
  space(): Buffer;
  commit(n: number): void;
  /** May wait (back-pressure) until the consumer of the output caught up. */
  take(): Buffer[] | Promise<Buffer[]>;
}

// lstat runs this many entries of a directory at once: per-entry round trips to the thread
// pool dominate trees of many small files.
const STAT_BATCH = 32;
const END_OF_ARCHIVE = Buffer.alloc(2 * TAR_BLOCK);
// Output arrays are yielded one by one, never with `yield*`: destroying the stream throws into
// the generator, and an array's iterator has no `throw`.

/**
 * Writes a tar of `dir`'s contents to `sink` (names relative, no leading "./", parents before
 * children, sorted), the way `tar -C dir -cf - .` lists it, yielding the sink's output as it
 * grows. Symlinks are stored, never followed; files with several links become hard links.
 */
export async function* packTar(
  dir: string,
  sink: TarSink,
  options: TarPackOptions = {},
): AsyncGenerator<Buffer> {
  const root = await stat(dir);
  if (!root.isDirectory()) throw new ConfigIoError(dir, `cannot pack ${dir}: not a directory`);
  yield* new TreeWalker(dir, sink, options).walk('');
  sink.write(END_OF_ARCHIVE);
  for (const b of await sink.take()) yield b;
}

class TreeWalker {
  private readonly inodes = new Map<string, string>();

  constructor(
    private readonly root: string,
    private readonly sink: TarSink,
    private readonly options: TarPackOptions,
  ) {}

  async *walk(rel: string): AsyncGenerator<Buffer> {
    const abs = rel === '' ? this.root : join(this.root, rel);
    this.options.signal?.throwIfAborted();
    let names: string[];
    try {
      names = await readdir(abs);
    } catch (err) {
      throw ioError(abs, 'read directory', err);
    }
    names.sort();
    for (let i = 0; i < names.length; i += STAT_BATCH) {
      const batch = names.slice(i, i + STAT_BATCH).map((name) => (rel === '' ? name : `${rel}/${name}`));
      const stats = await Promise.all(batch.map((childRel) => stat(join(this.root, childRel))));
      for (let j = 0; j < batch.length; j++) yield* this.entry(batch[j], stats[j]);
    }
  }

  private async *entry(rel: string, st: Stats): AsyncGenerator<Buffer> {
    const abs = join(this.root, rel);
    const base = { name: rel, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime, size: 0 };
    if (st.isDirectory()) {
      this.header({ ...base, name: `${rel}/`, type: 'directory' });
      yield* this.walk(rel);
    } else if (st.isSymbolicLink()) {
      let target: string;
      try {
        target = await readlink(abs);
      } catch (err) {
        throw ioError(abs, 'read link', err);
      }
      this.header({ ...base, type: 'symlink', linkname: target });
    } else if (st.isFile()) {
      const inode = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? this.inodes.get(inode) : undefined;
      if (first !== undefined) {
        this.header({ ...base, type: 'link', linkname: first });
      } else {
        if (st.nlink > 1) this.inodes.set(inode, rel);
        this.header({ ...base, type: 'file', size: st.size });
        yield* this.content(abs, st.size);
      }
    } else {
      this.options.onSkip?.(rel, 'not a regular file, directory or symlink');
    }
    for (const b of await this.sink.take()) yield b;
  }

  private header(h: TarHeader): void {
    this.sink.write(encodeTarHeader(h));
  }

  /** Reads exactly `size` bytes (the size in the header) straight into the sink. */
  private async *content(abs: string, size: number): AsyncGenerator<Buffer> {
    let handle;
    try {
      // O_NOFOLLOW: a file swapped for a symlink after lstat is refused, not followed.
      handle = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      throw ioError(abs, 'open', err);
    }
    try {
      let done = 0;
      while (done < size) {
        this.options.signal?.throwIfAborted();
        const space = this.sink.space();
        let n: number;
        try {
          n = (await handle.read(space, 0, Math.min(space.length, size - done), done)).bytesRead;
        } catch (err) {
          throw ioError(abs, 'read', err);
        }
        if (n === 0) {
          throw new ConfigIoError(
            abs,
            `cannot pack ${abs}: it shrank from ${size} to ${done} bytes while being read; retry the backup`,
          );
        }
        this.sink.commit(n);
        done += n;
        for (const b of await this.sink.take()) yield b;
      }
    } finally {
      await handle.close();
    }
    this.sink.write(END_OF_ARCHIVE.subarray(0, tarPadding(size)));
  }
}

async function stat(abs: string): Promise<Stats> {
  try {
    return await lstat(abs);
  } catch (err) {
    throw ioError(abs, 'stat', err);
  }
}

function ioError(path: string, what: string, cause: unknown): ConfigIoError {
  const reason = errorMessage(cause);
  return new ConfigIoError(path, `cannot ${what} ${path} while packing the config: ${reason}`, { cause });
}

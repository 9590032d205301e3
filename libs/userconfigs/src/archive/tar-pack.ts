import { constants, fstatSync, type Stats } from 'node:fs';
import { lstat, open, readdir, readlink, stat as statFollow, type FileHandle } from 'node:fs/promises';
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
// Linux's PATH_MAX (with its NUL): the path walk fails on longer paths, so the anchored one does too.
const PATH_MAX = 4096;
// Output arrays are yielded one by one, never with `yield*`: destroying the stream throws into
// the generator, and an array's iterator has no `throw`.

/** Where Linux lets a path continue from an open fd: `<PROC_SELF_FD>/<fd>/<name>`. */
export const PROC_SELF_FD = '/proc/self/fd';

// A directory or file may be a symlink only at the moment it is opened; O_NONBLOCK: a file
// swapped for a fifo after lstat must not block the open (the fstat check then refuses it).
const OPEN_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const OPEN_FILE = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Writes a tar of `dir`'s contents to `sink` (names relative, no leading "./", parents before
 * children, sorted), the way `tar -C dir -cf - .` lists it, yielding the sink's output as it
 * grows. Symlinks are stored, never followed; files with several links become hard links.
 *
 * `dir` may be written by a hostile container while root packs it, so the walk never resolves a
 * path the container controls twice: every directory is opened once (O_NOFOLLOW, O_DIRECTORY)
 * and its entries are listed, lstat-ed, read and opened through that fd
 * (`/proc/self/fd/<fd>/<name>`, Node has no openat), never through a path of names; each open
 * dir and file must be the inode its lstat saw (dev + ino). A directory swapped for a symlink
 * therefore is never followed and nothing outside `dir` is read.
 *
 * An entry that changed between its lstat and its open (swapped for a symlink or for another
 * inode) fails the pack with a ConfigIoError; it is not skipped: an archive without that entry
 * (for a directory, a whole subtree) would replace the last good one in the store and the
 * cleanup would then delete the dir, losing the settings. A failed backup keeps the dir and is
 * retried, and by then the container is gone and nothing races.
 *
 * Where `/proc/self/fd` does not lead back to the open directory (not Linux, /proc not
 * mounted), the walk falls back to paths (`join(dir, rel)`): the last component is still never
 * followed (lstat, O_NOFOLLOW, the same inode checks), but a directory swapped for a symlink
 * between its lstat and the reads below it can be followed there.
 */
export async function* packTar(
  dir: string,
  sink: TarSink,
  options: TarPackOptions = {},
  procSelfFd: string = PROC_SELF_FD,
): AsyncGenerator<Buffer> {
  const root = await stat(dir);
  if (!root.isDirectory()) throw new ConfigIoError(dir, `cannot pack ${dir}: not a directory`);
  const top = await openRoot(dir, root, procSelfFd);
  try {
    const anchor = top.anchored ? procSelfFd : undefined;
    yield* new TreeWalker(dir, sink, options, anchor).walk('', top.via);
  } finally {
    await top.close();
  }
  sink.write(END_OF_ARCHIVE);
  for (const b of await sink.take()) yield b;
}

/** Where a directory's entries resolve: `via/<name>`; `close` lets go of its fd (if any). */
interface OpenDir {
  via: string;
  close(): Promise<void>;
}

async function openRoot(
  dir: string,
  st: Stats,
  procSelfFd: string,
): Promise<OpenDir & { anchored: boolean }> {
  const handle = await openDir(dir, dir, st);
  const via = `${procSelfFd}/${handle.fd}`;
  // Probe: does the fd path lead back to this very directory?
  const probe = await statFollow(via).catch(() => undefined);
  if (probe && sameInode(probe, st)) return { via, anchored: true, close: () => handle.close() };
  await handle.close();
  return { via: dir, anchored: false, close: async () => undefined };
}

/** Opens the directory `abs` (reached by `via`), refusing anything but the inode `st` saw. */
async function openDir(via: string, abs: string, st: Stats): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(via, OPEN_DIR);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTDIR') throw replaced(abs);
    throw ioError(abs, 'open directory', err, via);
  }
  if (!sameInode(fstatSync(handle.fd), st)) {
    await handle.close();
    throw replaced(abs);
  }
  return handle;
}

class TreeWalker {
  private readonly inodes = new Map<string, string>();

  constructor(
    private readonly root: string,
    private readonly sink: TarSink,
    private readonly options: TarPackOptions,
    // Entries resolve through their directory's fd, `<anchor>/<fd>/<name>`, or (undefined)
    // through joined paths.
    private readonly anchor: string | undefined,
  ) {}

  /** Packs the entries of the directory `rel`, which resolve through `via/<name>`. */
  async *walk(rel: string, via: string): AsyncGenerator<Buffer> {
    const abs = rel === '' ? this.root : join(this.root, rel);
    this.options.signal?.throwIfAborted();
    let names: string[];
    try {
      names = await readdir(via);
    } catch (err) {
      throw ioError(abs, 'read directory', err, via);
    }
    names.sort();
    for (let i = 0; i < names.length; i += STAT_BATCH) {
      const batch = names.slice(i, i + STAT_BATCH);
      const stats = await Promise.all(
        batch.map((name) => this.lstatEntry(join(abs, name), `${via}/${name}`)),
      );
      for (let j = 0; j < batch.length; j++) {
        const name = batch[j];
        yield* this.entry(rel === '' ? name : `${rel}/${name}`, `${via}/${name}`, stats[j]);
      }
    }
  }

  private lstatEntry(abs: string, via: string): Promise<Stats> {
    if (this.anchor !== undefined && Buffer.byteLength(abs) >= PATH_MAX) {
      // The path walk cannot reach it; neither may the anchored one (and no tree is deeper).
      const err = Object.assign(new Error(`ENAMETOOLONG: name too long, lstat '${abs}'`), {
        code: 'ENAMETOOLONG',
      });
      return Promise.reject(ioError(abs, 'stat', err));
    }
    return stat(abs, via);
  }

  private async *entry(rel: string, via: string, st: Stats): AsyncGenerator<Buffer> {
    const abs = join(this.root, rel);
    const base = { name: rel, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime, size: 0 };
    if (st.isDirectory()) {
      this.header({ ...base, name: `${rel}/`, type: 'directory' });
      if (this.anchor !== undefined) {
        const handle = await openDir(via, abs, st);
        try {
          yield* this.walk(rel, `${this.anchor}/${handle.fd}`);
        } finally {
          await handle.close();
        }
      } else {
        yield* this.walk(rel, abs);
      }
    } else if (st.isSymbolicLink()) {
      let target: string;
      try {
        target = await readlink(via);
      } catch (err) {
        throw ioError(abs, 'read link', err, via);
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
        yield* this.content(abs, via, st);
      }
    } else {
      this.options.onSkip?.(rel, 'not a regular file, directory or symlink');
    }
    for (const b of await this.sink.take()) yield b;
  }

  private header(h: TarHeader): void {
    this.sink.write(encodeTarHeader(h));
  }

  /** Reads exactly `st.size` bytes (the size in the header) straight into the sink. */
  private async *content(abs: string, via: string, st: Stats): AsyncGenerator<Buffer> {
    const size = st.size;
    let handle: FileHandle;
    try {
      // O_NOFOLLOW: a file swapped for a symlink after lstat is refused, not followed.
      handle = await open(via, OPEN_FILE);
    } catch (err) {
      throw ioError(abs, 'open', err, via);
    }
    try {
      // Swapped for another file, a fifo or a device node after lstat: refused before any read.
      // (fstat of a just opened fd answers from the inode in memory: no round trip to the pool.)
      if (!sameInode(fstatSync(handle.fd), st)) throw replaced(abs);
      let done = 0;
      while (done < size) {
        this.options.signal?.throwIfAborted();
        const space = this.sink.space();
        let n: number;
        try {
          n = (await handle.read(space, 0, Math.min(space.length, size - done), done)).bytesRead;
        } catch (err) {
          throw ioError(abs, 'read', err, via);
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

function sameInode(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

function replaced(abs: string): ConfigIoError {
  return new ConfigIoError(
    abs,
    `cannot pack ${abs}: it was replaced (by a symlink or another file) while being packed; ` +
      'nothing was followed; retry the backup',
  );
}

async function stat(abs: string, via: string = abs): Promise<Stats> {
  try {
    return await lstat(via);
  } catch (err) {
    throw ioError(abs, 'stat', err, via);
  }
}

/** `via` (a path through /proc/self/fd) is named as the path it stands for, `path`. */
function ioError(path: string, what: string, cause: unknown, via?: string): ConfigIoError {
  let reason = errorMessage(cause);
  if (via !== undefined && via !== path) reason = reason.split(via).join(path);
  return new ConfigIoError(path, `cannot ${what} ${path} while packing the config: ${reason}`, { cause });
}

import { constants, fchmodSync, fchownSync, futimesSync } from 'node:fs';
import {
  type FileHandle,
  chmod,
  lchown,
  link,
  lstat,
  lutimes,
  mkdir,
  open,
  realpath,
  rmdir,
  symlink,
  unlink,
  utimes,
} from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { extract as tarExtract, type Extract, type Header } from 'tar-stream';

type Entry = Extract extends AsyncIterable<infer E> ? E : never;
type Headers = Header;
import { ConfigCorruptError, ConfigIoError, UserConfigError } from '../errors';
import { abortReason, whenAborted } from './abort';
import { BackgroundWrites } from './background-writes';
import { SequentialFileWriter } from './sequential-file-writer';
import { checkSymlinkTarget, entrySegments, unsafe } from './entry-path';
import { feed, mkdirIfMissing } from './unpack-io';
import { symlinkEscapes } from './symlink-escape';

export interface Owner {
  uid: number;
  gid: number;
}

export interface TarUnpackOptions {
  /** chown every created entry to this owner (the container's user); default: leave as is. */
  owner?: Owner;
  /** Stops reading and creating entries; the writes already started finish before it rejects. */
  signal?: AbortSignal;
}

interface DirFixup {
  path: string;
  mode: number;
  mtime: Date | undefined;
}

// Setuid/setgid/sticky bits are dropped: we unpack as root and the tree is user data.
const MODE_MASK = 0o777;
// Directory modes and times applied at once (the thread pool has 4 threads by default).
const FIXUPS_AT_ONCE = 8;

/**
 * Runs `work` on the items, at most `limit` at a time. After a failure no new item starts; it throws
 * that failure once none is running.
 */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const runner = async (): Promise<void> => {
    while (!failure && next < items.length) {
      try {
        await work(items[next++]);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
  if (failure) throw failure.error;
}

/**
 * Extracts a tar stream into `dir` without ever writing outside it: names are checked before
 * anything is created, no entry is written through a symlink (not even one from this archive),
 * links must point inside, devices and fifos are refused. Directory modes and times are applied
 * last so read-only directories can still be filled.
 */
export async function unpackTarSafely(
  tarBytes: Readable,
  dir: string,
  options: TarUnpackOptions = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const root = await realpath(dir);
  const unpacker = new Unpacker(root, options.owner);
  const extract = tarExtract();
  const feeding = feed(tarBytes, extract);
  const { signal } = options;
  // Destroying the input stops decryption and reads at once; destroying the tar parser wakes an
  // entry waiting for its data, and the loop then throws.
  const stop = whenAborted(signal, () => {
    const reason = abortReason(signal as AbortSignal) as Error;
    tarBytes.destroy(reason);
    extract.destroy(reason);
  });
  try {
    for await (const entry of extract) {
      signal?.throwIfAborted();
      await unpacker.entry(entry);
    }
    await feeding;
    await unpacker.finish();
  } catch (err) {
    tarBytes.destroy();
    extract.destroy(new Error('config unpack stopped'));
    await feeding.catch(() => undefined);
    // Nothing may still be writing once the caller sees the failure (it may remove `dir`).
    await unpacker.settle();
    if (signal?.aborted) throw abortReason(signal);
    throw classify(err);
  } finally {
    stop();
  }
}

function classify(err: unknown): UserConfigError {
  if (err instanceof UserConfigError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && (err as NodeJS.ErrnoException).syscall) {
    const path = (err as NodeJS.ErrnoException).path ?? '';
    return new ConfigIoError(path, `cannot write the unpacked config at ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return new ConfigCorruptError(
    `the config archive's tar data is damaged: ${(err as Error)?.message ?? err}`,
    {
      cause: err,
    },
  );
}

class Unpacker {
  // Keyed by relative path: an archive repeating one name many times must not grow memory.
  private readonly dirs = new Map<string, DirFixup>();
  private readonly knownDirs = new Set<string>(['']);
  private readonly symlinks = new Set<string>();
  private readonly writes = new BackgroundWrites();

  constructor(
    private readonly root: string,
    private readonly owner: Owner | undefined,
  ) {}

  async entry(entry: Entry): Promise<void> {
    const header = entry.header;
    try {
      await this.place(header, entry);
    } finally {
      entry.resume();
    }
  }

  settle(): Promise<void> {
    return this.writes.settle();
  }

  async finish(): Promise<void> {
    await this.writes.drain();
    const escaping: string[][] = [];
    for (const rel of this.symlinks) {
      const segs = rel.split('/');
      if (await symlinkEscapes(this.root, segs)) escaping.push(segs);
    }
    if (escaping.length > 0) {
      for (const segs of escaping) await unlink(join(this.root, ...segs)).catch(() => undefined);
      throw unsafe(escaping[0].join('/'), 'symlink resolves outside the config dir through other symlinks');
    }
    // Deepest level first, so no parent's mode stands in the way of its children's; the dirs of
    // one level in parallel (one thread-pool round trip each would add up on a wide tree).
    const levels = new Map<number, DirFixup[]>();
    for (const [rel, d] of this.dirs) {
      const depth = rel.split('/').length;
      const level = levels.get(depth);
      if (level) level.push(d);
      else levels.set(depth, [d]);
    }
    for (const depth of [...levels.keys()].sort((a, b) => b - a)) {
      await inParallel(levels.get(depth) as DirFixup[], FIXUPS_AT_ONCE, async (d) => {
        await chmod(d.path, d.mode);
        if (d.mtime) await utimes(d.path, d.mtime, d.mtime);
      });
    }
  }

  private async place(header: Headers, entry: Entry): Promise<void> {
    const type: string = header.type ?? 'file';
    if (type === 'pax-global-header') return;
    const segs = entrySegments(header.name);
    const mode = (header.mode ?? 0o644) & MODE_MASK;
    if (segs.length === 0) {
      if (type === 'directory') return;
      throw unsafe(header.name, `a ${type} entry cannot replace the config dir itself`);
    }
    switch (type) {
      case 'directory':
        return this.placeDir(segs, mode, header.mtime);
      case 'file':
      case 'contiguous-file':
        return this.placeFile(segs, mode, header.mtime, entry);
      case 'symlink':
        return this.placeSymlink(segs, header.linkname ?? '', header.mtime);
      case 'link':
        return this.placeHardlink(segs, header.linkname ?? '');
      default:
        throw unsafe(header.name, `entries of type ${type} are never unpacked`);
    }
  }

  /** Creates missing parents and refuses any parent that is a symlink or not a directory. */
  private async parentOf(segs: string[]): Promise<string> {
    for (let i = 1; i < segs.length; i++) {
      const rel = segs.slice(0, i).join('/');
      if (this.knownDirs.has(rel)) continue;
      const abs = join(this.root, rel);
      // mkdir never follows a symlink in the last component: success means a new, real dir.
      if (await mkdirIfMissing(abs, 0o755)) {
        await this.chown(abs);
        this.knownDirs.add(rel);
        continue;
      }
      const st = await lstat(abs);
      if (st.isSymbolicLink()) {
        throw unsafe(
          segs.join('/'),
          `its parent ${JSON.stringify(rel)} is a symlink, which is never followed`,
        );
      } else if (!st.isDirectory()) {
        throw unsafe(segs.join('/'), `its parent ${JSON.stringify(rel)} is not a directory`);
      }
      this.knownDirs.add(rel);
    }
    return join(this.root, ...segs);
  }

  /** Removes whatever non-directory sits at `abs` (an earlier entry of the same name). */
  private async clear(abs: string, rel: string): Promise<void> {
    const st = await lstat(abs).catch(() => undefined);
    if (!st) return;
    if (st.isDirectory()) {
      await rmdir(abs);
      this.knownDirs.delete(rel);
      this.dirs.delete(rel);
    } else await unlink(abs);
  }

  private async placeDir(segs: string[], mode: number, mtime: Date | undefined): Promise<void> {
    const abs = await this.parentOf(segs);
    const rel = segs.join('/');
    if (!(await mkdirIfMissing(abs, 0o700))) {
      const st = await lstat(abs);
      if (!st.isDirectory()) {
        await unlink(abs);
        await mkdir(abs, { mode: 0o700 });
      }
    }
    await this.chown(abs);
    this.knownDirs.add(rel);
    this.dirs.set(rel, { path: abs, mode, mtime });
  }

  private async placeFile(
    segs: string[],
    mode: number,
    mtime: Date | undefined,
    entry: Entry,
  ): Promise<void> {
    const abs = await this.parentOf(segs);
    // The open runs while this entry's data is decoded and queued (it waits for the handle):
    // the next entry, and with it any other change to the tree, starts only once it resolved.
    const opening = this.openNew(abs, segs.join('/'));
    opening.catch(() => undefined);
    const file = new SequentialFileWriter(opening);
    const writes: Array<Promise<unknown>> = [];
    try {
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        const { done } = await this.writes.write(chunk.length, () => file.append(chunk));
        writes.push(done);
      }
      const handle = await opening;
      // Throws, without starting the task, when an earlier write failed: the catch closes then.
      await this.writes.task(async () => {
        try {
          await Promise.all(writes);
          // Inode updates on a descriptor we hold, each a few microseconds: made here rather than
          // as three thread-pool round trips (with their wake-ups) per file.
          fchmodSync(handle.fd, mode);
          if (this.owner) fchownSync(handle.fd, this.owner.uid, this.owner.gid);
          if (mtime) futimesSync(handle.fd, mtime, mtime);
        } finally {
          await handle.close();
        }
      });
    } catch (err) {
      await Promise.allSettled(writes);
      await (await opening.catch(() => undefined))?.close();
      throw err;
    }
  }

  /**
   * O_EXCL + O_NOFOLLOW: never truncates or writes through anything that appeared meanwhile.
   * Opening first saves a lookup per file; only a name that exists already is cleared.
   */
  private async openNew(abs: string, rel: string): Promise<FileHandle> {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    try {
      return await open(abs, flags, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    await this.clear(abs, rel);
    return open(abs, flags, 0o600);
  }

  private async placeSymlink(segs: string[], target: string, mtime: Date | undefined): Promise<void> {
    checkSymlinkTarget(segs, target);
    const abs = await this.parentOf(segs);
    await this.clear(abs, segs.join('/'));
    await symlink(target, abs);
    await this.chown(abs);
    if (mtime) await lutimes(abs, mtime, mtime).catch(() => undefined);
    this.symlinks.add(segs.join('/'));
  }

  private async placeHardlink(segs: string[], linkname: string): Promise<void> {
    const targetSegs = entrySegments(linkname, 'hard link target');
    if (targetSegs.length === 0) throw unsafe(segs.join('/'), 'hard link to the config dir itself');
    const targetAbs = await this.parentOf(targetSegs);
    const st = await lstat(targetAbs).catch(() => undefined);
    if (!st?.isFile()) {
      throw unsafe(
        segs.join('/'),
        `hard link target ${JSON.stringify(linkname)} is not a file unpacked before it`,
      );
    }
    const abs = await this.parentOf(segs);
    await this.clear(abs, segs.join('/'));
    await link(targetAbs, abs);
  }

  private async chown(abs: string): Promise<void> {
    if (this.owner) await lchown(abs, this.owner.uid, this.owner.gid);
  }
}

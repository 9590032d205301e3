import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack as tarPack, type Header } from 'tar-stream';
import { Lz4FrameEncoder } from '../src/archive/lz4-frame-encoder';
import { OpensslEncryptStream } from '../src/archive/openssl-cipher';

export type CraftEntry = Partial<Header> & { name: string; content?: string };

/** Builds an encrypted archive from hand-written tar headers (hostile ones included). */
export async function craftArchive(entries: CraftEntry[], token: string): Promise<Buffer> {
  const pack = tarPack();
  // Read while writing: pack.entry() calls back only once its bytes were taken.
  const encrypted = collect(
    Readable.from(pack).pipe(new Lz4FrameEncoder()).pipe(new OpensslEncryptStream(token)),
  );
  for (const { content, ...header } of entries) {
    await new Promise<void>((resolve, reject) => {
      pack.entry(header, content ?? '', (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  return encrypted;
}

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A temp dir removed by the returned cleanup, even when a test fails. */
export async function tempDir(
  prefix = 'userconfigs-',
): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

export interface TreeEntry {
  path: string;
  type: 'dir' | 'file' | 'symlink';
  mode: number;
  content?: string;
}

/** Everything a round trip must keep: names, kinds, permission bits, bytes, link targets. */
export async function snapshotTree(root: string): Promise<TreeEntry[]> {
  const { lstat, readdir, readFile, readlink } = await import('node:fs/promises');
  const { createHash } = await import('node:crypto');
  const out: TreeEntry[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(join(root, r));
      const mode = st.mode & 0o7777;
      if (st.isDirectory()) {
        out.push({ path: r, type: 'dir', mode });
        await walk(r);
      } else if (st.isSymbolicLink()) {
        out.push({ path: r, type: 'symlink', mode: 0, content: await readlink(join(root, r)) });
      } else {
        const hash = createHash('sha256')
          .update(await readFile(join(root, r)))
          .digest('hex');
        out.push({ path: r, type: 'file', mode, content: hash });
      }
    }
  };
  await walk('');
  return out;
}

/** A small tree with every feature a round trip must keep. */
export async function buildSampleTree(root: string): Promise<void> {
  const { chmod, link, mkdir, symlink, writeFile } = await import('node:fs/promises');
  const { randomBytes } = await import('node:crypto');
  await mkdir(join(root, '.config/app/empty'), { recursive: true });
  await mkdir(join(root, 'Ünïcødé ✓'), { recursive: true });
  await writeFile(join(root, '.config/app/settings.ini'), 'theme = dark\n'.repeat(1000));
  await chmod(join(root, '.config/app/settings.ini'), 0o640);
  await writeFile(join(root, '.config/app/run.sh'), '#!/bin/sh\necho hi\n');
  await chmod(join(root, '.config/app/run.sh'), 0o750);
  await writeFile(join(root, 'zero-bytes'), '');
  await writeFile(join(root, 'Ünïcødé ✓/日本語.txt'), 'こんにちは');
  await writeFile(join(root, 'noise.bin'), randomBytes(300_000));
  await symlink('.config/app/settings.ini', join(root, 'settings-link'));
  await symlink('../noise.bin', join(root, 'Ünïcødé ✓/up-link'));
  await link(join(root, '.config/app/run.sh'), join(root, 'run-hardlink.sh'));
  const long = 'd'.repeat(90);
  await mkdir(join(root, long, long), { recursive: true });
  await writeFile(join(root, long, long, 'f'.repeat(120)), 'long name');
  await chmod(join(root, '.config/app/empty'), 0o700);
}

/** Targets of this process's open fds that lie under `dir` (leak checks). */
export async function fdsUnder(dir: string): Promise<string[]> {
  const { readdir, readlink } = await import('node:fs/promises');
  const out: string[] = [];
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target.startsWith(dir)) out.push(target);
  }
  return out;
}

/** A config dir `<root>/<name>` holding one `settings.ini` with `content`. */
export async function writeConfigDir(root: string, name: string, content: string): Promise<string> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'settings.ini'), content);
  return dir;
}

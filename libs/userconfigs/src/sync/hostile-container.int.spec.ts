import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { collect, fdsUnder, tempDir } from '../../test/craft';
import { LZ4_MAGIC_BYTES } from '../archive/lz4-frame-format';
import { Lz4FrameDecoder } from '../archive/lz4-frame-decoder';
import { OpensslDecryptStream } from '../archive/openssl-cipher';
import { InMemoryConfigStore } from '../testing';
import { UserConfigSync } from './user-config-sync';

// Swaps every dir under <dst>/cfg (and cfg itself) for a symlink to <victim> and back, as fast as
// it can: what a container that owns unpacked_configs can do while root restores into it.
const HOSTILE = `
const fs = require('node:fs');
const [dst, victim] = process.argv.slice(1);
const cfg = dst + '/cfg';
for (;;) {
  for (const d of [cfg, ...Array.from({ length: 8 }, (_, i) => cfg + '/d' + i)]) {
    try { fs.renameSync(d, d + '.x'); } catch {}
    try { fs.symlinkSync(victim, d); } catch {}
    try { fs.unlinkSync(d); } catch {}
    try { fs.renameSync(d + '.x', d); } catch {}
    try { fs.mkdirSync(d); fs.writeFileSync(d + '/planted', 'x'); } catch {}
  }
}
`;

// Swaps every dir <src>/dN for a symlink to <victim> and back, as fast as it can: the intermediate
// component of every path below it changes under a root backup.
const SWAPPER = `
const fs = require('node:fs');
const [src, victim] = process.argv.slice(1);
for (;;) {
  for (let i = 0; i < 8; i++) {
    const d = src + '/d' + i;
    try { fs.renameSync(d, d + '.x'); } catch {}
    try { fs.symlinkSync(victim, d); } catch {}
    for (let spin = 0; spin < 2000; spin++);
    try { fs.unlinkSync(d); } catch {}
    try { fs.renameSync(d + '.x', d); } catch {}
  }
}
`;

describe('restore and backup next to a hostile container', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let hostile: ChildProcess | undefined;
  const key = { userId: 'u1', appName: 'Blender' };

  beforeEach(async () => {
    tmp = await tempDir();
  });
  afterEach(async () => {
    hostile?.kill('SIGKILL');
    hostile = undefined;
    await tmp.cleanup();
  });

  const victimFiles = async (victim: string): Promise<string[]> => (await readdir(victim)).sort();

  it('never deletes or writes outside the dir while the container races symlink swaps (defect 3)', async () => {
    const victim = join(tmp.path, 'victim');
    await mkdir(victim);
    for (let i = 0; i < 20; i++) await writeFile(join(victim, `keep-${i}`), 'host file');
    const before = await victimFiles(victim);

    const src = join(tmp.path, 'src');
    for (let d = 0; d < 8; d++) {
      await mkdir(join(src, 'cfg', `d${d}`), { recursive: true });
      for (let f = 0; f < 20; f++) await writeFile(join(src, 'cfg', `d${d}`, `keep-${f}`), 'settings');
    }
    const store = new InMemoryConfigStore();
    const sync = new UserConfigSync({ store, pendingDir: join(tmp.path, 'pending') });
    expect(await sync.backup({ ...key, token: 'T', dir: src })).toBe('uploaded');

    const dst = join(tmp.path, 'home', 'unpacked_configs');
    await mkdir(dst, { recursive: true });
    await sync.restore({ ...key, token: 'T', dir: dst });
    hostile = spawn(process.execPath, ['-e', HOSTILE, dst, victim], { stdio: 'ignore' });
    for (let round = 0; round < 15; round++) {
      await sync.restore({ ...key, token: 'T', dir: dst }).catch(() => undefined);
    }
    hostile.kill('SIGKILL');
    expect(await victimFiles(victim)).toEqual(before);
    for (const name of before) expect(await readFile(join(victim, name), 'utf8')).toBe('host file');
    // Nothing of ours is left in the parent: staging and trash are gone.
    expect((await readdir(join(tmp.path, 'home'))).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 60_000);

  it('never archives what lies outside while the container swaps intermediate dirs for symlinks', async () => {
    const secret = 'SECRET-HASH-0123456789';
    const victim = join(tmp.path, 'victim');
    await mkdir(victim);
    for (let f = 0; f < 20; f++) await writeFile(join(victim, `keep-${f}`), secret);
    const before = await victimFiles(victim);
    const src = join(tmp.path, 'src');
    for (let d = 0; d < 8; d++) {
      await mkdir(join(src, `d${d}`), { recursive: true });
      // Same names and sizes as the victim's files.
      for (let f = 0; f < 20; f++)
        await writeFile(join(src, `d${d}`, `keep-${f}`), 'x'.repeat(secret.length));
    }
    const store = new InMemoryConfigStore();
    const sync = new UserConfigSync({ store, pendingDir: join(tmp.path, 'pending') });
    const objectKey = 'u1/Blender/fractal-app-config.tar.lz4.enc';
    hostile = spawn(process.execPath, ['-e', SWAPPER, src, victim], { stdio: 'ignore' });
    let packed = 0;
    let refused = 0;
    let metSymlink = 0;
    const deadline = Date.now() + 15_000;
    for (let round = 0; round < 150 && Date.now() < deadline; round++) {
      store.objects.delete(objectKey);
      try {
        await sync.backup({ ...key, token: 'T', dir: src });
      } catch (err) {
        expect((err as { code?: string }).code).toBe('IO');
        refused++;
        continue;
      }
      packed++;
      const decoder = new Lz4FrameDecoder();
      const tar = collect(decoder);
      const archive = store.objects.get(objectKey) as Buffer;
      await pipeline(Readable.from([archive]), new OpensslDecryptStream('T', LZ4_MAGIC_BYTES), decoder);
      const bytes = await tar;
      expect(bytes.includes(Buffer.from(secret))).toBe(false);
      if (bytes.includes(Buffer.from(victim))) metSymlink++;
    }
    hostile.kill('SIGKILL');
    // The race was run: backups met dirs swapped (refused) or symlinks in their place (stored).
    expect(packed + refused).toBeGreaterThan(10);
    expect(refused + metSymlink).toBeGreaterThan(0);
    expect(await victimFiles(victim)).toEqual(before);
    for (const name of before) expect(await readFile(join(victim, name), 'utf8')).toBe(secret);
    expect(await fdsUnder(tmp.path)).toEqual([]);
  }, 60_000);

  it('archives a symlink as a symlink, never its target', async () => {
    const secret = join(tmp.path, 'shadow');
    await writeFile(secret, 'root:SECRET-HASH-0123456789:19000:0:99999:7:::');
    const src = join(tmp.path, 'src');
    await mkdir(src);
    await symlink(secret, join(src, 'x'));
    const store = new InMemoryConfigStore();
    const sync = new UserConfigSync({ store, pendingDir: join(tmp.path, 'pending') });
    expect(await sync.backup({ ...key, token: 'T', dir: src })).toBe('uploaded');
    const archive = store.objects.get('u1/Blender/fractal-app-config.tar.lz4.enc') as Buffer;
    const decoder = new Lz4FrameDecoder();
    const tar = collect(decoder);
    await pipeline(Readable.from([archive]), new OpensslDecryptStream('T', LZ4_MAGIC_BYTES), decoder);
    const bytes = await tar;
    expect(bytes.includes(Buffer.from('SECRET-HASH'))).toBe(false);
    expect(bytes.includes(Buffer.from(secret))).toBe(true);
  });
});

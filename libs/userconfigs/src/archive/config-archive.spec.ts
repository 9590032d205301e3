import { lstat, mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ConfigCorruptError, ConfigDecryptError, UnsafeArchiveEntryError } from '../errors';
import { packConfigArchive, unpackConfigArchive } from './config-archive';
import { buildSampleTree, collect, craftArchive, snapshotTree, tempDir } from '../../test/craft';

// Several 4 MB blocks through the TypeScript codec under ts-jest: slow on a loaded machine.
jest.setTimeout(60_000);

describe('config archive round trip', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    tmp = await tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('keeps contents, modes, symlinks, hard links, empty dirs, long and non-ASCII names', async () => {
    const src = join(tmp.path, 'src');
    const dst = join(tmp.path, 'dst');
    await buildSampleTree(src);
    const archive = await collect(packConfigArchive(src, 'T0k3n'));
    expect(archive.subarray(0, 8).toString('latin1')).toBe('Salted__');
    await unpackConfigArchive(Readable.from([archive]), 'T0k3n', dst);
    expect(await snapshotTree(dst)).toEqual(await snapshotTree(src));
    const a = await lstat(join(dst, '.config/app/run.sh'));
    const b = await lstat(join(dst, 'run-hardlink.sh'));
    expect(a.ino).toBe(b.ino);
  });

  it('round-trips wide directories and files spanning several LZ4 blocks', async () => {
    const src = join(tmp.path, 'src');
    const dst = join(tmp.path, 'dst');
    await mkdir(join(src, 'many/nested'), { recursive: true });
    for (let i = 0; i < 100; i++) {
      await writeFile(join(src, 'many', `f${String(i).padStart(3, '0')}`), `value ${i}\n`.repeat(i));
    }
    const big = Buffer.alloc(9 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    await writeFile(join(src, 'many/nested/big.bin'), big);
    await unpackConfigArchive(Readable.from([await collect(packConfigArchive(src, 'T'))]), 'T', dst);
    expect(await snapshotTree(dst)).toEqual(await snapshotTree(src));
  });

  it('lets a later entry of the same name win over a file still being written', async () => {
    const archive = await craftArchive(
      [
        { name: 'd/', type: 'directory' },
        { name: 'd/f', content: 'first'.repeat(50_000) },
        { name: 'd/f', content: 'second' },
        { name: 'd/g', content: 'g' },
        { name: 'd/g', type: 'symlink', linkname: 'f' },
      ],
      'T',
    );
    const dst = join(tmp.path, 'dst');
    await unpackConfigArchive(Readable.from([archive]), 'T', dst);
    expect(await readFile(join(dst, 'd/f'), 'utf8')).toBe('second');
    expect(await readlink(join(dst, 'd/g'))).toBe('f');
  });

  it('uses a fresh salt every time', async () => {
    const src = join(tmp.path, 'src');
    await mkdir(src);
    await writeFile(join(src, 'a'), 'a');
    const one = await collect(packConfigArchive(src, 'T'));
    const two = await collect(packConfigArchive(src, 'T'));
    expect(one.subarray(8, 16)).not.toEqual(two.subarray(8, 16));
  });

  it('chowns unpacked entries to the requested owner', async () => {
    const archive = await craftArchive(
      [
        { name: 'd/', type: 'directory', mode: 0o755 },
        { name: 'd/f', content: 'x', mode: 0o600 },
        { name: 'l', type: 'symlink', linkname: 'd/f' },
      ],
      'T',
    );
    const dst = join(tmp.path, 'dst');
    await unpackConfigArchive(Readable.from([archive]), 'T', dst, { owner: { uid: 1234, gid: 4321 } });
    for (const p of ['d', 'd/f', 'l']) {
      const st = await lstat(join(dst, p));
      expect([p, st.uid, st.gid]).toEqual([p, 1234, 4321]);
    }
  });

  it('drops setuid, setgid and sticky bits', async () => {
    const archive = await craftArchive([{ name: 'suid', content: 'x', mode: 0o4755 }], 'T');
    const dst = join(tmp.path, 'dst');
    await unpackConfigArchive(Readable.from([archive]), 'T', dst);
    expect((await lstat(join(dst, 'suid'))).mode & 0o7777).toBe(0o755);
  });
});

describe('config archive errors', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let outside: string;
  let target: string;
  beforeEach(async () => {
    tmp = await tempDir();
    outside = join(tmp.path, 'outside');
    target = join(tmp.path, 'target');
    await mkdir(outside);
  });
  afterEach(() => tmp.cleanup());

  const unpack = (bytes: Buffer, token = 'T'): Promise<void> =>
    unpackConfigArchive(Readable.from([bytes]), token, target);

  it.each([
    ['absolute path', [{ name: `/tmp/evil-${process.pid}`, content: 'x' }]],
    ['dot-dot', [{ name: '../outside/evil', content: 'x' }]],
    ['nested dot-dot', [{ name: 'a/../../outside/evil', content: 'x' }]],
    ['absolute symlink', [{ name: 'l', type: 'symlink', linkname: '/etc' }]],
    ['escaping symlink', [{ name: 'a/l', type: 'symlink', linkname: '../../outside' }]],
    ['escaping hard link', [{ name: 'h', type: 'link', linkname: '../outside/secret' }]],
    ['absolute hard link', [{ name: 'h', type: 'link', linkname: '/etc/passwd' }]],
    ['character device', [{ name: 'tty', type: 'character-device', devmajor: 5, devminor: 0 }]],
    ['block device', [{ name: 'sda', type: 'block-device', devmajor: 8, devminor: 0 }]],
    ['fifo', [{ name: 'pipe', type: 'fifo' }]],
  ] as const)('refuses an archive with an %s', async (_what, entries) => {
    await writeFile(join(outside, 'secret'), 'keep');
    const archive = await craftArchive([{ name: 'ok.txt', content: 'fine' }, ...entries], 'T');
    await expect(unpack(archive)).rejects.toThrow(UnsafeArchiveEntryError);
    expect(await readdir(outside)).toEqual(['secret']);
    await expect(lstat(`/tmp/evil-${process.pid}`)).rejects.toThrow(/ENOENT/);
  });

  it('never writes through a symlink the archive created earlier', async () => {
    const archive = await craftArchive(
      [
        { name: 'inside', type: 'directory' },
        { name: 'a', type: 'symlink', linkname: 'inside' },
        { name: 'a/passwd', content: 'pwned' },
      ],
      'T',
    );
    await expect(unpack(archive)).rejects.toThrow(/symlink/);
    await expect(lstat(join(target, 'inside/passwd'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses a symlink that escapes only through another symlink', async () => {
    const archive = await craftArchive(
      [
        { name: 'e', type: 'symlink', linkname: 'd/../..' },
        { name: 'd', type: 'symlink', linkname: '.' },
      ],
      'T',
    );
    await expect(unpack(archive)).rejects.toThrow(UnsafeArchiveEntryError);
    await expect(lstat(join(target, 'e'))).rejects.toThrow(/ENOENT/);
  });

  it('replaces an earlier symlink entry instead of writing through it', async () => {
    await writeFile(join(outside, 'secret'), 'keep');
    const archive = await craftArchive(
      [
        { name: 'f', type: 'symlink', linkname: 'g' },
        { name: 'f', content: 'plain file now' },
      ],
      'T',
    );
    await unpack(archive);
    expect(await readFile(join(target, 'f'), 'utf8')).toBe('plain file now');
    expect((await lstat(join(target, 'f'))).isFile()).toBe(true);
  });

  // 'native': Node's OpenSSL decrypts into liblz4's input (NativeDecryptStage); 'js': node:crypto's
  // Decipheriv (OpensslDecryptStream) and the TypeScript LZ4. Both must tell the same errors.
  describe.each(['native', 'js'] as const)('with lz4: %s', (lz4) => {
    const unpackWith = (bytes: Buffer, token = 'T'): Promise<void> =>
      unpackConfigArchive(Readable.from([bytes]), token, target, { lz4 });

    it('maps a wrong token to ConfigDecryptError', async () => {
      const archive = await craftArchive([{ name: 'a', content: 'x' }], 'right');
      for (const token of ['wrong', 'Right', 'right ']) {
        await expect(unpackWith(archive, token)).rejects.toThrow(ConfigDecryptError);
      }
    });

    it('maps a wrong token to ConfigDecryptError when the header and the first blocks arrive apart', async () => {
      const archive = await craftArchive([{ name: 'a', content: 'x'.repeat(10_000) }], 'right');
      // The key is derived from the 16-byte header alone; the first plaintext is checked on a later chunk.
      for (const cut of [16, 17, 32]) {
        const pieces = [
          archive.subarray(0, cut),
          archive.subarray(cut, cut + 16),
          archive.subarray(cut + 16),
        ];
        const dst = join(target, `wrong-${cut}`);
        await expect(unpackConfigArchive(Readable.from(pieces), 'wrong', dst, { lz4 })).rejects.toThrow(
          ConfigDecryptError,
        );
      }
    });

    it('maps garbage to ConfigDecryptError and empty or truncated archives to ConfigCorruptError', async () => {
      const archive = await craftArchive([{ name: 'a', content: 'x'.repeat(100_000) }], 'T');
      await expect(unpackWith(Buffer.from('<html>Access Denied</html>'))).rejects.toThrow(ConfigDecryptError);
      await expect(unpackWith(Buffer.from('Salted_'))).rejects.toThrow(ConfigCorruptError);
      await expect(unpackWith(Buffer.alloc(0))).rejects.toThrow(ConfigCorruptError);
      await expect(unpackWith(archive.subarray(0, 12))).rejects.toThrow(ConfigCorruptError);
      // The header and one block: the first plaintext block is all there is, so it cannot be checked.
      await expect(unpackWith(archive.subarray(0, 32))).rejects.toThrow(
        /bad final AES block|does not decrypt/,
      );
      await expect(unpackWith(archive.subarray(0, archive.length - 16))).rejects.toThrow(ConfigCorruptError);
      await expect(unpackWith(archive.subarray(0, archive.length - 5))).rejects.toThrow(ConfigCorruptError);
      const flipped = Buffer.from(archive);
      flipped[200] ^= 0x55;
      await expect(unpackWith(flipped)).rejects.toThrow(ConfigCorruptError);
      const lastBlock = Buffer.from(archive);
      lastBlock[lastBlock.length - 1] ^= 0x55;
      await expect(unpackWith(lastBlock)).rejects.toThrow(ConfigCorruptError);
    });

    it('decrypts an archive however the download cuts it (the header and the LZ4 magic split too)', async () => {
      const archive = await craftArchive([{ name: 'a', content: 'y'.repeat(70_000) }], 'T');
      for (const cut of [1, 7, 8, 15, 16, 17, 19, 20, 31, 33, 4099]) {
        const pieces: Buffer[] = [];
        for (let at = 0; at < archive.length; at += cut) pieces.push(archive.subarray(at, at + cut));
        const dst = join(target, String(cut));
        await unpackConfigArchive(Readable.from(pieces), 'T', dst, { lz4 });
        expect(await readFile(join(dst, 'a'), 'utf8')).toBe('y'.repeat(70_000));
      }
    });
  });

  it('treats a matching magic with a broken tar as corrupt', async () => {
    const { Lz4FrameEncoder } = await import('./lz4-frame-encoder');
    const { OpensslEncryptStream } = await import('./openssl-cipher');
    const bytes = await collect(
      Readable.from([Buffer.alloc(1024, 0x41)])
        .pipe(new Lz4FrameEncoder())
        .pipe(new OpensslEncryptStream('T')),
    );
    await expect(unpack(bytes)).rejects.toThrow(ConfigCorruptError);
  });

  it('keeps in-tree relative symlinks', async () => {
    const archive = await craftArchive(
      [
        { name: 'a/b/', type: 'directory' },
        { name: 'a/b/up', type: 'symlink', linkname: '../..' },
      ],
      'T',
    );
    await unpack(archive);
    expect(await readlink(join(target, 'a/b/up'))).toBe('../..');
  });
});

import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { encodeTarHeader, tarPadding, TAR_BLOCK, type TarHeader } from './tar-header';

interface Listed {
  name: string;
  type: string | null | undefined;
  linkname: string | null | undefined;
  mode: number | undefined;
  size: number | undefined;
  mtime: number | undefined;
}

/** Our headers (with content and padding) as tar-stream reads them back; it checks checksums. */
async function list(headers: TarHeader[]): Promise<Listed[]> {
  const parts: Buffer[] = [];
  for (const h of headers) {
    parts.push(encodeTarHeader(h));
    if (h.type === 'file') parts.push(Buffer.alloc(h.size, 0x61), Buffer.alloc(tarPadding(h.size)));
  }
  parts.push(Buffer.alloc(2 * TAR_BLOCK));
  const ex = extract();
  Readable.from([Buffer.concat(parts)]).pipe(ex);
  const out: Listed[] = [];
  for await (const e of ex) {
    const h = e.header;
    out.push({
      name: h.name,
      type: h.type,
      linkname: h.linkname,
      mode: h.mode,
      size: h.size,
      mtime: h.mtime?.getTime(),
    });
    e.resume();
  }
  return out;
}

const base = { mode: 0o644, uid: 1000, gid: 1000, mtime: new Date(1_700_000_000_000), size: 0 };

describe('encodeTarHeader', () => {
  it.each([
    ['a short name', 'a.txt'],
    ['exactly 100 bytes', 'n'.repeat(100)],
    ['a 150-byte path that splits into prefix and name', `${'p'.repeat(60)}/${'q'.repeat(89)}`],
    ['a path whose last part is over 100 bytes (pax)', `dir/${'f'.repeat(120)}`],
    ['a path whose prefix cannot fit 155 bytes (pax)', `${'d'.repeat(160)}/f`],
    ['a non-ASCII name (pax)', 'Ünïcødé ✓/日本語.txt'],
  ])('round-trips %s', async (_what, name) => {
    const [entry] = await list([{ ...base, name, type: 'file', size: 5 }]);
    expect(entry).toEqual({
      name,
      type: 'file',
      linkname: null,
      mode: 0o644,
      size: 5,
      mtime: 1_700_000_000_000,
    });
  });

  it('keeps directories, symlinks (long and non-ASCII targets) and hard links', async () => {
    const longTarget = `../${'t'.repeat(150)}`;
    const entries = await list([
      { ...base, name: `${'d'.repeat(120)}/`, type: 'directory', mode: 0o750 },
      { ...base, name: 'short-link', type: 'symlink', linkname: 'a.txt' },
      { ...base, name: 'long-link', type: 'symlink', linkname: longTarget },
      { ...base, name: 'uni-link', type: 'symlink', linkname: 'Ü/f' },
      { ...base, name: 'hard', type: 'link', linkname: 'a.txt' },
    ]);
    expect(entries.map((e) => [e.name, e.type, e.linkname, e.mode])).toEqual([
      [`${'d'.repeat(120)}/`, 'directory', null, 0o750],
      ['short-link', 'symlink', 'a.txt', 0o644],
      ['long-link', 'symlink', longTarget, 0o644],
      ['uni-link', 'symlink', 'Ü/f', 0o644],
      ['hard', 'link', 'a.txt', 0o644],
    ]);
  });

  it('writes sizes past 8 GiB in base-256 and pads content to 512 bytes', () => {
    const header = encodeTarHeader({ ...base, name: 'big', type: 'file', size: 10 * 1024 ** 3 });
    expect(header.length).toBe(TAR_BLOCK);
    expect(header[124]).toBe(0x80);
    expect(header.readUIntBE(130, 6)).toBe(10 * 1024 ** 3);
    expect([tarPadding(0), tarPadding(1), tarPadding(512), tarPadding(513)]).toEqual([0, 511, 0, 511]);
  });
});

// ustar headers as tar-stream (and so GNU tar) reads them; a name or link target that is not
// ASCII or does not fit goes into a pax extended header first, as tar-stream's packer does.
export const TAR_BLOCK = 512;

export type TarEntryType = 'file' | 'link' | 'symlink' | 'directory';

export interface TarHeader {
  /** Relative name; directories end in "/". */
  name: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  size: number;
  linkname?: string;
}

const TYPE_FLAGS: Record<TarEntryType | 'pax', number> = {
  file: 0x30,
  link: 0x31,
  symlink: 0x32,
  directory: 0x35,
  pax: 0x78,
};

/** The header block(s) for one entry: a pax header (+ its records) when needed, then ustar. */
export function encodeTarHeader(h: TarHeader): Buffer {
  const split = splitName(h.name);
  const linkOk = h.linkname === undefined || (isAscii(h.linkname) && h.linkname.length <= 100);
  if (split && linkOk) return ustar(split.name, split.prefix, h.type, h);
  let records = paxRecord('path', h.name);
  if (h.linkname) records += paxRecord('linkpath', h.linkname);
  const body = Buffer.from(records, 'utf8');
  const padded = Buffer.alloc(Math.ceil(body.length / TAR_BLOCK) * TAR_BLOCK);
  body.copy(padded);
  const link = h.linkname ? 'PaxHeader' : undefined;
  return Buffer.concat([
    ustar('PaxHeader', '', 'pax', { ...h, size: body.length, linkname: link }),
    padded,
    ustar('PaxHeader', '', h.type, { ...h, linkname: link }),
  ]);
}

/** Zero bytes that pad `size` bytes of content to the next 512-byte boundary. */
export function tarPadding(size: number): number {
  return (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK;
}

function ustar(name: string, prefix: string, type: TarEntryType | 'pax', h: TarHeader): Buffer {
  const b = Buffer.alloc(TAR_BLOCK);
  b.write(name, 0, 100, 'latin1');
  octal(b, 100, 8, h.mode & 0o7777);
  octal(b, 108, 8, h.uid);
  octal(b, 116, 8, h.gid);
  octal(b, 124, 12, h.size);
  octal(b, 136, 12, Math.max(0, Math.floor(h.mtime.getTime() / 1000)));
  b[156] = TYPE_FLAGS[type];
  if (h.linkname) b.write(h.linkname, 157, 100, 'latin1');
  b.write('ustar\u000000', 257, 8, 'latin1');
  octal(b, 329, 8, 0);
  octal(b, 337, 8, 0);
  if (prefix) b.write(prefix, 345, 155, 'latin1');
  let sum = 8 * 0x20;
  for (let i = 0; i < TAR_BLOCK; i++) if (i < 148 || i >= 156) sum += b[i];
  octal(b, 148, 8, sum);
  return b;
}

/** Octal digits, space-terminated, in a field of `width`; too large values get base-256. */
function octal(b: Buffer, offset: number, width: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length > width - 1) {
    b[offset] = 0x80;
    let v = value;
    for (let i = width - 1; i > 0; i--) {
      b[offset + i] = v % 256;
      v = Math.floor(v / 256);
    }
    return;
  }
  b.write(`${digits.padStart(width - 1, '0')} `, offset, width, 'latin1');
}

/** ustar's name/prefix split, or undefined when the name needs a pax header. */
function splitName(full: string): { name: string; prefix: string } | undefined {
  if (!isAscii(full)) return undefined;
  if (full.length <= 100) return { name: full, prefix: '' };
  // The prefix ends at a "/" and holds at most 155 bytes; the rest must fit in 100.
  const dir = full.endsWith('/') ? full.slice(0, -1) : full;
  for (let i = dir.lastIndexOf('/'); i > 0; i = dir.lastIndexOf('/', i - 1)) {
    const name = full.slice(i + 1);
    if (name.length > 100) return undefined;
    if (i <= 155) return { name, prefix: full.slice(0, i) };
  }
  return undefined;
}

function isAscii(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[\x01-\x7f]*$/.test(s);
}

/** "<len> key=value\n" where <len> counts its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bytes = Buffer.byteLength(body, 'utf8');
  let len = bytes + String(bytes).length;
  if (String(len).length !== String(bytes).length) len++;
  return `${len}${body}`;
}

// Config trees real users have, generated at a chosen size. Text is drawn from a word list so LZ4
// finds the ~2x of real settings files (not the 100x of one repeated line); "random" bytes stand
// for what is already compressed (images, caches, media).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type ShapeName = 'browser' | 'mixed' | 'media';
export const SHAPES: Record<ShapeName, string> = {
  browser: 'browser profile: thousands of 1-100 KB files, a few 10-50 MB SQLite-like files',
  mixed: '4 KB / 64 KB / 1 MB / 8 MB files, half random bytes, half text',
  media: 'a few 32-64 MB incompressible files (cached media)',
};

const KB = 1024;
const MB = 1024 * KB;

/** Deterministic pseudo-random numbers, so every run builds the same shape. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
}

function makeText(bytes: number, next: () => number): Buffer {
  const words = Array.from({ length: 600 }, (_, i) => `${'kv'.repeat(1 + (i % 5))}${i.toString(36)}`);
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    const line = `"${words[Math.floor(next() * 600)]}.${words[Math.floor(next() * 600)]}": ${Math.floor(next() * 1e6)},\n`;
    parts.push(line);
    n += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

/** 4 KB pages: a third record-like text, a third zeroed free pages, a third random blobs. */
function makeSqlite(bytes: number, text: Buffer, next: () => number): Buffer {
  const out = Buffer.alloc(bytes);
  for (let p = 0; p < bytes; p += 4 * KB) {
    const kind = Math.floor(next() * 3);
    const end = Math.min(bytes, p + 4 * KB);
    if (kind === 0) text.copy(out, p, Math.floor(next() * (text.length - 4 * KB)), end - p);
    else if (kind === 2) randomBytes(end - p).copy(out, p);
  }
  return out;
}

class Writer {
  written = 0;
  private count = 0;
  constructor(private readonly root: string) {}

  file(dir: string, ext: string, data: Buffer): void {
    const d = join(this.root, dir);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, `f${this.count++}.${ext}`), data);
    this.written += data.length;
  }
}

/** Builds `shape` under `root` with about `sizeMB` of file contents; returns the file count. */
export function buildShape(shape: ShapeName, root: string, sizeMB: number): number {
  const next = rng(42);
  const total = sizeMB * MB;
  const text = makeText(9 * MB, next);
  const slice = (n: number): Buffer => {
    const at = Math.floor(next() * (text.length - n));
    return text.subarray(at, at + n);
  };
  const w = new Writer(root);
  let files = 0;
  if (shape === 'browser') {
    // 60 % in a few big databases (10-50 MB, fewer when the tree is small), 40 % in small files.
    while (w.written < total * 0.6) {
      const size = Math.min(Math.floor((10 + next() * 40) * MB), Math.max(MB, total * 0.6 - w.written));
      w.file('Default', 'sqlite', makeSqlite(size, text, next));
      files++;
    }
    while (w.written < total) {
      const size = Math.floor(KB + next() * 99 * KB);
      const dir = `Default/Cache/Cache_Data/${files % 64}`;
      if (next() < 0.6) w.file(dir, 'json', slice(size));
      else w.file(dir, 'bin', randomBytes(size));
      files++;
    }
  } else if (shape === 'mixed') {
    const sizes = [4 * KB, 64 * KB, MB, 8 * MB];
    while (w.written < total) {
      const size = sizes[files % 4];
      const dir = `dir${files % 9}/sub${files % 4}`;
      if (Math.floor(files / 4) % 2 === 0) w.file(dir, 'bin', randomBytes(size));
      else w.file(dir, 'txt', slice(size));
      files++;
    }
  } else {
    while (w.written < total) {
      const size = Math.min(Math.floor((32 + next() * 32) * MB), Math.max(MB, total - w.written));
      w.file('media', 'mp4', randomBytes(size));
      files++;
    }
  }
  return files;
}

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Lz4BlockSize } from './lz4-frame-format';
import { Lz4FrameWriter } from './lz4-frame-writer';
import { tempDir } from '../../test/craft';

const run = promisify(execFile);

function frame(data: Buffer, blockSizeKiB: Lz4BlockSize): Buffer {
  const parts: Buffer[] = [];
  const writer = new Lz4FrameWriter((b) => parts.push(Buffer.from(b)), { blockSizeKiB });
  writer.start();
  writer.write(data);
  writer.finish();
  return Buffer.concat(parts);
}

/** Text that compresses well and ends in a long match, right up to the block's end rules. */
function textEndingInRepeats(size: number): Buffer {
  const line = Buffer.from('window.geometry = 1920x1080+0+0\nrecent.file = /home/user/notes.txt\n');
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += line.length) line.copy(out, i);
  return out;
}

describe('our LZ4 frames through the lz4 CLI', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    tmp = await tempDir('userconfigs-lz4-');
  });
  afterAll(() => tmp.cleanup());

  it.each<[string, Buffer, Lz4BlockSize]>([
    ['empty', Buffer.alloc(0), 64],
    ['1 byte', Buffer.from('x'), 64],
    ['12 bytes', Buffer.from('abcdabcdabcd'), 64],
    ['13 bytes', Buffer.alloc(13, 0x61), 64],
    ['incompressible', randomBytes(300_000), 64],
    ['highly repetitive', Buffer.alloc(1_000_000, 0), 64],
    ['exactly one 64 KB block of text', textEndingInRepeats(64 * 1024), 64],
    [
      'exactly two 64 KB blocks, noise then text',
      Buffer.concat([randomBytes(65536), textEndingInRepeats(65536)]),
      64,
    ],
    ['exactly one 4 MB block of text', textEndingInRepeats(4 * 1024 * 1024), 4096],
    ['4 MB + 1 byte', textEndingInRepeats(4 * 1024 * 1024 + 1), 4096],
  ])('lz4 -d restores %s', async (name, data, kib) => {
    const file = join(tmp.path, `${name.replace(/\W+/g, '-')}.lz4`);
    await writeFile(file, frame(data, kib));
    await run('lz4', ['-d', '-f', '-q', file, `${file}.out`]);
    const back = await readFile(`${file}.out`);
    expect(back.length).toBe(data.length);
    expect(back.equals(data)).toBe(true);
    await run('lz4', ['-t', '-q', file]);
  });
});

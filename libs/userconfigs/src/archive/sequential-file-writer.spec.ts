import type { FileHandle } from 'node:fs/promises';
import { SequentialFileWriter } from './sequential-file-writer';

/** A handle whose writev writes at most `max` bytes per call into `file`, one call at a time. */
function fakeHandle(max: number, failAt = Infinity) {
  const file = Buffer.alloc(64);
  const calls: number[] = [];
  let running = 0;
  const handle = {
    async writev(buffers: Buffer[], position: number) {
      if (running++ > 0) throw new Error('two writev calls at once');
      await new Promise((r) => setImmediate(r));
      running--;
      calls.push(buffers.length);
      if (calls.length >= failAt) throw new Error('disk full');
      let n = 0;
      for (const b of buffers) {
        const take = Math.min(b.length, max - n);
        b.copy(file, position + n, 0, take);
        n += take;
        if (n === max) break;
      }
      return { bytesWritten: n, buffers };
    },
  };
  return { handle: handle as unknown as FileHandle, file, calls };
}

describe('SequentialFileWriter', () => {
  it('writes chunks in order, batching what queued meanwhile and resuming short writes', async () => {
    const { handle, file, calls } = fakeHandle(5);
    const writer = new SequentialFileWriter(handle);
    const chunks = ['abc', 'defgh', 'ij', 'klmnopq'].map((s) => Buffer.from(s));
    await Promise.all(chunks.map((c) => writer.append(c)));
    expect(file.subarray(0, 17).toString()).toBe('abcdefghijklmnopq');
    expect(calls.length).toBeLessThan(chunks.length + 4);
    expect(calls[1]).toBeGreaterThan(1);
  });

  it('rejects the failed batch and every later chunk', async () => {
    const { handle } = fakeHandle(64, 1);
    const writer = new SequentialFileWriter(handle);
    const first = writer.append(Buffer.from('a'));
    const second = writer.append(Buffer.from('b'));
    await expect(first).rejects.toThrow(/disk full/);
    await expect(second).rejects.toThrow(/disk full/);
    await expect(writer.append(Buffer.from('c'))).rejects.toThrow(/disk full/);
  });

  it('queues chunks until the handle is open, and fails them when the open fails', async () => {
    const { handle, file } = fakeHandle(64);
    let opened: (h: FileHandle) => void = () => undefined;
    const writer = new SequentialFileWriter(new Promise<FileHandle>((r) => (opened = r)));
    const written = Promise.all([writer.append(Buffer.from('ab')), writer.append(Buffer.from('cd'))]);
    await new Promise((r) => setImmediate(r));
    expect(file.subarray(0, 4).toString()).toBe('\0\0\0\0');
    opened(handle);
    await written;
    expect(file.subarray(0, 4).toString()).toBe('abcd');

    const failing = new SequentialFileWriter(Promise.reject(new Error('EACCES: cannot open')));
    await expect(failing.append(Buffer.from('x'))).rejects.toThrow(/EACCES/);
  });
});

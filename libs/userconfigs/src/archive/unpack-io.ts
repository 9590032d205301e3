import { mkdir } from 'node:fs/promises';
import { finished, type Readable } from 'node:stream';
import type { Extract } from 'tar-stream';
import { waitWritable } from './stream-util';

// Flowing mode hands over one chunk per 'data' event; an async iterator's read() would instead
// concatenate everything buffered (up to two 4 MB blocks) into a fresh buffer on every call.
export function feed(source: Readable, extract: Extract): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => {
      source.off('data', onData);
      extract.destroy(err);
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      if (extract.write(chunk)) return;
      source.pause();
      waitWritable(extract).then(() => source.resume(), fail);
    };
    source.on('data', onData);
    finished(source, { writable: false }, (err) => {
      if (err) return fail(err);
      extract.end(undefined);
      resolve();
    });
  });
}

/** Creates `abs`; false when something (of any type) already has that name. */
export async function mkdirIfMissing(abs: string, mode: number): Promise<boolean> {
  try {
    await mkdir(abs, { mode });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

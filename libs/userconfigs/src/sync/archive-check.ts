import type { Readable } from 'node:stream';
import { LZ4_MAGIC_BYTES } from '../archive/lz4-frame-format';
import { OpensslDecryptStream } from '../archive/openssl-cipher';

export const ARCHIVE_CHECK_BYTES = 4096;

/**
 * Whether `token` opens the archive `body` streams, from its first few KB (the openssl header,
 * PBKDF2, and the LZ4 magic in the first plaintext block); the rest of the body is never read.
 */
export async function archiveOpens(body: Readable, token: string): Promise<boolean> {
  let prefix: Buffer;
  try {
    prefix = await readPrefix(body, ARCHIVE_CHECK_BYTES);
  } finally {
    body.destroy();
  }
  return new Promise((resolve) => {
    const decrypt = new OpensslDecryptStream(token, LZ4_MAGIC_BYTES);
    let opened = false;
    decrypt.on('data', () => {
      opened = true;
    });
    // A truncated prefix fails the final block after the magic matched: still opened.
    decrypt.on('error', () => resolve(opened));
    decrypt.on('end', () => resolve(opened));
    decrypt.end(prefix);
  });
}

async function readPrefix(body: Readable, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
    if (length >= bytes) break;
  }
  return Buffer.concat(chunks);
}

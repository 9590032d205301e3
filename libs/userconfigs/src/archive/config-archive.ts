import { pipeline, Readable } from 'node:stream';
import { ConfigCorruptError, UserConfigError } from '../errors';
import { Lz4FrameDecoder } from './lz4-frame-decoder';
import { ArchiveSink } from './archive-sink';
import { LZ4_MAGIC_BYTES } from './lz4-frame-format';
import { OpensslDecryptStream, startOpensslEncryption } from './openssl-cipher';
import { packTar, type TarPackOptions } from './tar-pack';
import { unpackTarSafely, type Owner } from './tar-unpack';

export type PackOptions = TarPackOptions;

export interface UnpackOptions {
  owner?: Owner;
}

/**
 * `tar -C dir -cf - . | lz4 | openssl aes-256-cbc -e -pbkdf2 -pass pass:<token>`, in-process and
 * streaming: pull from the returned stream; memory stays at a few LZ4 blocks whatever the tree size.
 */
export function packConfigArchive(dir: string, token: string, options: PackOptions = {}): Readable {
  checkToken(token);
  return Readable.from(packChunks(dir, token, options), { objectMode: false });
}

// One generator drives tar, LZ4 and AES in turn; Readable.from pulls it only as fast as the
// consumer reads, so at most about one block of output is pending.
async function* packChunks(dir: string, token: string, options: PackOptions): AsyncGenerator<Buffer> {
  const { header, cipher } = await startOpensslEncryption(token);
  const sink = new ArchiveSink(cipher, header);
  yield* packTar(dir, sink, options);
  sink.finish();
  yield* sink.take();
}

/**
 * Decrypts, decompresses and safely unpacks an archive into `dir`. Errors: ConfigDecryptError
 * (wrong token / not an archive), ConfigCorruptError (truncated, damaged), UnsafeArchiveEntryError,
 * ConfigIoError. Entries already written before a failure stay in `dir`.
 */
export async function unpackConfigArchive(
  source: Readable,
  token: string,
  dir: string,
  options: UnpackOptions = {},
): Promise<void> {
  checkToken(token);
  let stageError: unknown;
  const tarBytes = pipeline(
    source,
    new OpensslDecryptStream(token, LZ4_MAGIC_BYTES),
    new Lz4FrameDecoder(),
    (err) => {
      stageError ??= err;
    },
  );
  try {
    await unpackTarSafely(tarBytes, dir, options);
  } catch (err) {
    // The first failing stage knows best what went wrong (e.g. wrong token beats "tar damaged").
    await new Promise((resolve) => setImmediate(resolve));
    throw pickError(stageError, err);
  }
}

function pickError(stageError: unknown, unpackError: unknown): UserConfigError {
  if (stageError instanceof UserConfigError) return stageError;
  if (unpackError instanceof UserConfigError) return unpackError;
  const cause = stageError ?? unpackError;
  return new ConfigCorruptError(`the config archive could not be read: ${(cause as Error)?.message}`, {
    cause,
  });
}

function checkToken(token: string): void {
  if (typeof token !== 'string' || token.length === 0) {
    throw new UserConfigError(
      'INVALID_OPTIONS',
      'the config encryption token is empty; pass the token the client sent',
    );
  }
}

import { createCipheriv } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { ConfigCorruptError, UserConfigError } from '../errors';
import { abortReason, whenAborted } from './abort';
import { ArchiveSink } from './archive-sink';
import { Ciphertext, NativeCiphertext } from './ciphertext';
import { Lz4FrameDecoder } from './lz4-frame-decoder';
import { LZ4_MAGIC_BYTES } from './lz4-frame-format';
import { nativeAes } from './native-aes';
import { NativeArchiveSink } from './native-archive-sink';
import { NativeDecryptStage } from './native-decrypt-stage';
import { nativeLz4, type NativeLz4 } from './native-lz4';
import { NativeLz4FrameDecoder } from './native-lz4-decoder';
import { deriveOpensslEncryption, OpensslDecryptStream, startOpensslEncryption } from './openssl-cipher';
import { packTar, type TarPackOptions } from './tar-pack';
import { unpackTarSafely, type Owner } from './tar-unpack';
import { WorkerArchiveSink } from './worker-archive-sink';
import { decodeInWorker } from './worker-decode';

/**
 * Who does LZ4 and its checksums: `native` is the system's liblz4 through koffi, on the thread
 * pool (an error if it cannot be loaded); `js` is this library's TypeScript LZ4 on the calling
 * thread; `auto` (the default) is native where liblz4 loads, else js. The bytes are the same
 * format either way.
 */
export type Lz4Engine = 'auto' | 'native' | 'js';

export interface PackOptions extends TarPackOptions {
  /** Aborting destroys the returned stream with the signal's reason, and stops every read. */
  signal?: AbortSignal;
  lz4?: Lz4Engine;
}

export interface UnpackOptions {
  owner?: Owner;
  /**
   * Aborting stops the download's reads, decryption, LZ4 and tar, waits for the file writes
   * already started, then rejects with the signal's reason (what was written stays, as on any
   * failure).
   */
  signal?: AbortSignal;
  lz4?: Lz4Engine;
}

/**
 * `tar -C dir -cf - . | lz4 | openssl aes-256-cbc -e -pbkdf2 -pass pass:<token>`, in-process and
 * streaming: pull from the returned stream; memory stays at a few LZ4 blocks whatever the tree size.
 */
export function packConfigArchive(dir: string, token: string, options: PackOptions = {}): Readable {
  return packArchive(dir, token, options, false);
}

/**
 * packConfigArchive with LZ4 on a worker thread running `worker` (config-codec-worker.js), or on
 * this thread (false). Not public: see bench/README.md for what the worker measured.
 */
export function packArchive(
  dir: string,
  token: string,
  options: PackOptions,
  worker: string | false,
): Readable {
  checkToken(token);
  const native = worker ? undefined : pickNative(options.lz4);
  const chunks = worker
    ? packInWorker(dir, token, options, worker)
    : native
      ? packNative(dir, token, options, native)
      : packChunks(dir, token, options);
  const stream = Readable.from(chunks, {
    objectMode: false,
  });
  const stop = whenAborted(options.signal, () =>
    stream.destroy(abortReason(options.signal as AbortSignal) as Error),
  );
  stream.once('close', stop);
  return stream;
}

// One generator drives tar, LZ4 and AES in turn; Readable.from pulls it only as fast as the
// consumer reads, so at most about one block of output is pending.
async function* packChunks(dir: string, token: string, options: PackOptions): AsyncGenerator<Buffer> {
  const { header, cipher } = await startOpensslEncryption(token);
  const sink = new ArchiveSink(cipher, header);
  yield* packTar(dir, sink, options);
  sink.finish();
  for (const b of sink.take()) yield b;
}

// This thread walks and reads the tree into 4 MB blocks while liblz4 compresses (and checksums)
// the previous ones on the thread pool, and Node's OpenSSL encrypts them there in frame order
// (node:crypto here, where its symbols cannot be reached).
async function* packNative(
  dir: string,
  token: string,
  options: PackOptions,
  lz4: NativeLz4,
): AsyncGenerator<Buffer> {
  const { key, iv, header } = await deriveOpensslEncryption(token);
  const aes = nativeAes();
  const sink = new NativeArchiveSink(
    lz4,
    aes
      ? new NativeCiphertext(aes.cipher(key, iv), lz4, header, dir)
      : new Ciphertext(createCipheriv('aes-256-cbc', key, iv), header, dir),
  );
  try {
    yield* packTar(dir, sink, options);
    for (const b of await sink.finish()) yield b;
  } finally {
    await sink.close();
  }
}

// This thread walks and reads the tree into 4 MB blocks, hashes and encrypts them while the
// worker compresses the next ones.
async function* packInWorker(
  dir: string,
  token: string,
  options: PackOptions,
  script: string,
): AsyncGenerator<Buffer> {
  const { header, cipher } = await startOpensslEncryption(token);
  const sink = new WorkerArchiveSink(script, cipher, header, dir);
  try {
    yield* packTar(dir, sink, options);
    for (const b of await sink.finish()) yield b;
  } finally {
    await sink.close();
  }
}

/**
 * Decrypts, decompresses and safely unpacks an archive into `dir`. Errors: ConfigDecryptError
 * (wrong token / not an archive), ConfigCorruptError (truncated, damaged), UnsafeArchiveEntryError,
 * ConfigIoError, or the signal's reason once aborted. Entries already written before a failure
 * stay in `dir`; nothing writes to it any more once this settles.
 */
export function unpackConfigArchive(
  source: Readable,
  token: string,
  dir: string,
  options: UnpackOptions = {},
): Promise<void> {
  return unpackArchive(source, token, dir, options, false);
}

/**
 * unpackConfigArchive with LZ4 + xxHash32 on a worker thread running `worker`, or on this thread
 * (false). Not public: unpacking 1 GB this way grew RSS by 760-850 MB (bench/README.md).
 */
export async function unpackArchive(
  source: Readable,
  token: string,
  dir: string,
  options: UnpackOptions,
  worker: string | false,
): Promise<void> {
  checkToken(token);
  const { signal } = options;
  if (signal?.aborted) {
    source.destroy();
    throw abortReason(signal);
  }
  let stageError: unknown;
  const onError = (err: unknown): void => {
    stageError ??= err;
  };
  const native = worker ? undefined : pickNative(options.lz4);
  const aes = native && nativeAes();
  let tarBytes: Readable;
  if (native && aes) {
    // Node's OpenSSL decrypts straight into liblz4's input: no plaintext Buffer per chunk.
    tarBytes = pipeline(
      source,
      new NativeLz4FrameDecoder(native, new NativeDecryptStage(aes, token, LZ4_MAGIC_BYTES)),
      onError,
    );
  } else {
    // With a worker, AES stays here (it tells a wrong token first) and LZ4 + xxHash32 run there.
    const plain = pipeline(source, new OpensslDecryptStream(token, LZ4_MAGIC_BYTES), onError);
    tarBytes = worker
      ? decodeInWorker(plain, worker, onError)
      : pipeline(plain, native ? new NativeLz4FrameDecoder(native) : new Lz4FrameDecoder(), onError);
  }
  // Decryption and LZ4 run ahead of the tar stage (up to a few blocks) even before it starts.
  const stop = whenAborted(signal, () => tarBytes.destroy(abortReason(signal as AbortSignal) as Error));
  try {
    await unpackTarSafely(tarBytes, dir, options);
  } catch (err) {
    if (signal?.aborted) throw abortReason(signal);
    // The first failing stage knows best what went wrong (e.g. wrong token beats "tar damaged").
    await new Promise((resolve) => setImmediate(resolve));
    throw pickError(stageError, err);
  } finally {
    stop();
    tarBytes.destroy();
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

function pickNative(engine: Lz4Engine = 'auto'): NativeLz4 | undefined {
  if (engine === 'js') return undefined;
  const native = nativeLz4();
  if (!native && engine === 'native') {
    throw new UserConfigError(
      'INVALID_OPTIONS',
      'lz4: "native" was asked for, but koffi or liblz4.so.1 cannot be loaded here; install liblz4 or use "auto"',
    );
  }
  return native;
}

function checkToken(token: string): void {
  if (typeof token !== 'string' || token.length === 0) {
    throw new UserConfigError(
      'INVALID_OPTIONS',
      'the config encryption token is empty; pass the token the client sent',
    );
  }
}

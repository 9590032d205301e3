import type * as Koffi from 'koffi';
import { XxHash32 } from './xxhash32';

/**
 * The system's liblz4 (`liblz4.so.1`, the library the `lz4` CLI itself uses) and libxxhash
 * (`libxxhash.so.0`), called through koffi; on Debian apt depends on both, so every host has them.
 * The `.async` calls run on koffi's worker threads, so (de)compression overlaps with decryption and
 * file I/O on the main thread, as the three processes of `tar | lz4 | openssl` do, and independent
 * blocks compress on several cores at once. Loaded on first use; `undefined` where koffi or liblz4
 * is missing, and the codec then uses its TypeScript LZ4.
 */
export interface NativeLz4 {
  /**
   * Memory outside V8's heap, for the buffers the async calls read and write: koffi copies a JS
   * Buffer in and out of every `.async` call (2-3 ms per 4 MB block), a pointer it passes as is.
   * `bytes` views it without copying; nothing may touch `bytes` after `free`.
   */
  allocate(size: number): NativeBuffer;
  /** `LZ4_compressBound`: room a block of `size` bytes may need once compressed. */
  compressBound(size: number): number;
  /**
   * On a worker thread, `LZ4_compress_default`: one independent block. Resolves with the
   * compressed size, or 0 when it would not fit in `dstCapacity` (store the block raw then).
   */
  compressBlock(src: NativeBuffer, srcSize: number, dst: NativeBuffer, dstCapacity: number): Promise<number>;
  /** A streaming xxHash32 (libxxhash where it loads, else this library's TypeScript one). */
  hash(): NativeHash;
  createDecompressionContext(): unknown;
  freeDecompressionContext(ctx: unknown): void;
  /**
   * On a worker thread, `LZ4F_decompress`: decodes from the first `srcSize` bytes of `src` into
   * `dst`. Resolves with how much of each was used and the size hint (0: a frame just ended and
   * no more input is expected). Rejects with an Lz4NativeError on any defect.
   */
  decompress(
    ctx: unknown,
    dst: NativeBuffer,
    src: NativeBuffer,
    srcSize: number,
  ): Promise<{ read: number; written: number; hint: number }>;
}

export interface NativeBuffer {
  readonly pointer: unknown;
  readonly bytes: Buffer;
  free(): void;
}

export interface NativeHash {
  /**
   * Adds the first `size` bytes, on a worker thread (libxxhash; the TypeScript hash runs it here).
   * Updates must come in order: start one only once the last one resolved.
   */
  update(buffer: NativeBuffer, size: number): Promise<void>;
  digest(): number;
  free(): void;
}

/** An LZ4F call returned an error code; `code` is liblz4's name for it (`ERROR_…`). */
export class Lz4NativeError extends Error {
  constructor(readonly code: string) {
    super(`liblz4: ${code}`);
    this.name = 'Lz4NativeError';
  }
}

const LZ4F_VERSION = 100;
let loaded: NativeLz4 | null | undefined;

/** The bindings, or undefined when koffi or liblz4 cannot be loaded here (checked once). */
export function nativeLz4(): NativeLz4 | undefined {
  if (loaded === undefined) loaded = load() ?? null;
  return loaded ?? undefined;
}

function load(): NativeLz4 | undefined {
  let koffi: typeof Koffi;
  try {
    koffi = require('koffi') as typeof Koffi;
  } catch {
    return undefined;
  }
  const lz4 = open(koffi, ['liblz4.so.1', 'liblz4.so']);
  return lz4 && bind(koffi, lz4, open(koffi, ['libxxhash.so.0', 'libxxhash.so']));
}

function open(koffi: typeof Koffi, names: string[]): Koffi.LibraryHandle | undefined {
  for (const name of names) {
    try {
      return koffi.load(name);
    } catch {
      // try the next name
    }
  }
  return undefined;
}

type Done = (err: unknown, value: number | bigint) => void;

/** Runs a callback-style koffi `.async` call as a promise, mapping its result with `then`. */
export function onWorker<T>(call: (done: Done) => void, then: (value: number | bigint) => T): Promise<T> {
  return new Promise<T>((resolve, reject) =>
    call((err, value) => {
      if (err) return reject(err);
      try {
        resolve(then(value));
      } catch (e) {
        reject(e);
      }
    }),
  );
}

function bind(
  koffi: typeof Koffi,
  lib: Koffi.LibraryHandle,
  xxhash: Koffi.LibraryHandle | undefined,
): NativeLz4 {
  const ctxType = koffi.pointer(koffi.opaque());
  const compressBound = lib.func('int LZ4_compressBound(int size)');
  const compress = lib.func(
    'int LZ4_compress_default(const void *src, void *dst, int srcSize, int dstCapacity)',
  );
  // LZ4F calls return size_t; an error is a value LZ4F_isError knows, named by LZ4F_getErrorName.
  const isError = lib.func('unsigned int LZ4F_isError(size_t code)');
  const errorName = lib.func('const char *LZ4F_getErrorName(size_t code)');
  const createD = lib.func('LZ4F_createDecompressionContext', 'size_t', [
    koffi.out(koffi.pointer(ctxType)),
    'unsigned int',
  ]);
  const freeD = lib.func('LZ4F_freeDecompressionContext', 'size_t', [ctxType]);
  const decompress = lib.func('LZ4F_decompress', 'size_t', [
    ctxType,
    'void *',
    koffi.inout(koffi.pointer('size_t')),
    'const void *',
    koffi.inout(koffi.pointer('size_t')),
    'const void *',
  ]);
  const check = (code: number | bigint): number => {
    if (isError(code) !== 0) throw new Lz4NativeError(String(errorName(code)));
    return Number(code);
  };
  const hash = xxhash ? bindXxHash(xxhash) : undefined;

  return {
    allocate: (size) => {
      let pointer: unknown = koffi.alloc('uint8_t', size);
      return {
        pointer,
        bytes: Buffer.from(koffi.view(pointer, size)),
        free: () => {
          if (pointer !== null) koffi.free(pointer);
          pointer = null;
        },
      };
    },
    compressBound: (size) => compressBound(size) as number,
    compressBlock: (src, srcSize, dst, dstCapacity) =>
      onWorker((done) => compress.async(src.pointer, dst.pointer, srcSize, dstCapacity, done), Number),
    hash: hash ?? tsHash,
    createDecompressionContext: () => {
      const out: unknown[] = [null];
      check(createD(out, LZ4F_VERSION));
      return out[0];
    },
    freeDecompressionContext: (ctx) => void freeD(ctx),
    decompress: (ctx, dst, src, size) => {
      const dstSize = [dst.bytes.length];
      const srcSize = [size];
      return onWorker(
        (done) => decompress.async(ctx, dst.pointer, dstSize, src.pointer, srcSize, null, done),
        (hint) => ({ read: Number(srcSize[0]), written: Number(dstSize[0]), hint: check(hint) }),
      );
    },
  };
}

/** libxxhash's streaming XXH32 (several GB/s, against ~1 GB/s for the TypeScript one). */
function bindXxHash(lib: Koffi.LibraryHandle): () => NativeHash {
  const create = lib.func('void *XXH32_createState()');
  const reset = lib.func('int XXH32_reset(void *state, unsigned int seed)');
  const update = lib.func('int XXH32_update(void *state, const void *input, size_t length)');
  const digest = lib.func('unsigned int XXH32_digest(const void *state)');
  const free = lib.func('int XXH32_freeState(void *state)');
  return () => {
    let state: unknown = create();
    if (state === null) throw new Error('XXH32_createState failed (out of memory)');
    reset(state, 0);
    return {
      update: (buffer, size) =>
        onWorker(
          (done) => update.async(state, buffer.pointer, size, done),
          () => undefined,
        ),
      digest: () => (digest(state) as number) >>> 0,
      free: () => {
        if (state !== null) free(state);
        state = null;
      },
    };
  };
}

function tsHash(): NativeHash {
  const hash = new XxHash32();
  return {
    update: async (buffer, size) => void hash.update(buffer.bytes.subarray(0, size)),
    digest: () => hash.digest(),
    free: () => undefined,
  };
}

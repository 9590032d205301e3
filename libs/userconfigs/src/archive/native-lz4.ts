import type * as Koffi from 'koffi';

/**
 * The LZ4 frame API of the system's liblz4 (`liblz4.so.1`, the library the `lz4` CLI itself uses;
 * on Debian apt depends on it, so every host has it), called through koffi. It does LZ4 and the
 * frame's xxHash32 checksums in C, and its `.async` calls run on libuv's thread pool, so
 * (de)compression overlaps with decryption and file I/O on the main thread, as the three processes
 * of `tar | lz4 | openssl` do. Loaded on first use; `undefined` where koffi or the library is
 * missing, and the codec then uses its TypeScript LZ4.
 */
export interface NativeLz4 {
  /**
   * Memory outside V8's heap, for the buffers the thread-pool calls read and write: koffi copies a
   * JS Buffer in and out of every `.async` call (2-3 ms per 4 MB block), a pointer it passes as is.
   * `bytes` views it without copying; nothing may touch `bytes` after `free`.
   */
  allocate(size: number): NativeBuffer;
  /** `size_t LZ4F_compressBound(srcSize, prefs)`: output room one `compressUpdate` may need. */
  compressBound(srcSize: number, prefs: Buffer): number;
  createCompressionContext(): unknown;
  freeCompressionContext(ctx: unknown): void;
  compressBegin(ctx: unknown, dst: Buffer, prefs: Buffer): number;
  /** On the thread pool: compresses `srcSize` bytes of `src` into `dst`; resolves with the bytes written. */
  compressUpdate(ctx: unknown, dst: NativeBuffer, src: NativeBuffer, srcSize: number): Promise<number>;
  compressEnd(ctx: unknown, dst: Buffer): number;
  createDecompressionContext(): unknown;
  freeDecompressionContext(ctx: unknown): void;
  /**
   * On the thread pool: decodes from the first `srcSize` bytes of `src` into `dst`. Resolves with
   * how much of each was used and the size hint (0: a frame just ended and no more input is
   * expected).
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

/** An LZ4F call returned an error code; `code` is liblz4's name for it (`ERROR_…`). */
export class Lz4NativeError extends Error {
  constructor(readonly code: string) {
    super(`liblz4: ${code}`);
    this.name = 'Lz4NativeError';
  }
}

const LZ4F_VERSION = 100;
const LIBRARY_NAMES = ['liblz4.so.1', 'liblz4.so'];
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
  let lib: Koffi.LibraryHandle | undefined;
  for (const name of LIBRARY_NAMES) {
    try {
      lib = koffi.load(name);
      break;
    } catch {
      // try the next name
    }
  }
  if (!lib) return undefined;
  return bind(koffi, lib);
}

function bind(koffi: typeof Koffi, lib: Koffi.LibraryHandle): NativeLz4 {
  // Contexts are opaque pointers; sizes cross as size_t, errors are size_t values LZ4F_isError knows.
  const ctxType = koffi.pointer(koffi.opaque());
  const isError = lib.func('unsigned int LZ4F_isError(size_t code)');
  const errorName = lib.func('const char *LZ4F_getErrorName(size_t code)');
  const compressBound = lib.func('size_t LZ4F_compressBound(size_t srcSize, const void *prefs)');
  const createC = lib.func('LZ4F_createCompressionContext', 'size_t', [
    koffi.out(koffi.pointer(ctxType)),
    'unsigned int',
  ]);
  const freeC = lib.func('LZ4F_freeCompressionContext', 'size_t', [ctxType]);
  const begin = lib.func('LZ4F_compressBegin', 'size_t', [ctxType, 'void *', 'size_t', 'const void *']);
  const update = lib.func('LZ4F_compressUpdate', 'size_t', [
    ctxType,
    'void *',
    'size_t',
    'const void *',
    'size_t',
    'const void *',
  ]);
  const end = lib.func('LZ4F_compressEnd', 'size_t', [ctxType, 'void *', 'size_t', 'const void *']);
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
  const create = (fn: ReturnType<Koffi.LibraryHandle['func']>): unknown => {
    const out: unknown[] = [null];
    check(fn(out, LZ4F_VERSION));
    return out[0];
  };
  const onPool = <T>(
    call: (done: (err: unknown, value: number | bigint) => void) => void,
    then: (v: number) => T,
  ) =>
    new Promise<T>((resolve, reject) =>
      call((err, value) => {
        if (err) reject(err);
        else {
          try {
            resolve(then(check(value)));
          } catch (e) {
            reject(e);
          }
        }
      }),
    );

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
    compressBound: (srcSize, prefs) => Number(compressBound(srcSize, prefs)),
    createCompressionContext: () => create(createC),
    freeCompressionContext: (ctx) => void freeC(ctx),
    compressBegin: (ctx, dst, prefs) => check(begin(ctx, dst, dst.length, prefs)),
    compressUpdate: (ctx, dst, src, srcSize) =>
      onPool(
        (done) => update.async(ctx, dst.pointer, dst.bytes.length, src.pointer, srcSize, null, done),
        (n) => n,
      ),
    compressEnd: (ctx, dst) => check(end(ctx, dst, dst.length, null)),
    createDecompressionContext: () => create(createD),
    freeDecompressionContext: (ctx) => void freeD(ctx),
    decompress: (ctx, dst, src, size) => {
      const dstSize = [dst.bytes.length];
      const srcSize = [size];
      return onPool(
        (done) => decompress.async(ctx, dst.pointer, dstSize, src.pointer, srcSize, null, done),
        (hint) => ({ read: Number(srcSize[0]), written: Number(dstSize[0]), hint }),
      );
    },
  };
}

/**
 * `LZ4F_preferences_t` (56 bytes) for frames as `lz4` writes them by default: independent blocks
 * of `blockSizeKiB`, a content checksum, no block checksums, level 0 (fast, as the CLI's level 1),
 * and autoFlush so each update emits its blocks without buffering inside liblz4.
 */
export function lz4Preferences(blockSizeKiB: 64 | 256 | 1024 | 4096, contentChecksum: boolean): Buffer {
  const prefs = Buffer.alloc(56);
  prefs.writeInt32LE({ 64: 4, 256: 5, 1024: 6, 4096: 7 }[blockSizeKiB], 0); // blockSizeID
  prefs.writeInt32LE(1, 4); // blockMode: LZ4F_blockIndependent
  prefs.writeInt32LE(contentChecksum ? 1 : 0, 8); // contentChecksumFlag
  prefs.writeUInt32LE(1, 36); // autoFlush
  return prefs;
}

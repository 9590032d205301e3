import type * as Koffi from 'koffi';
import { onWorker } from './native-lz4';

/**
 * AES-256-CBC by the OpenSSL that Node itself is built with (its `EVP_*` symbols are
 * exported by the `node` binary; `koffi.load(null)` reaches them), writing straight into memory
 * the caller owns. `Decipheriv.update` allocates a new Buffer for every chunk: on a restore that is
 * one more copy of the whole archive for V8 to account for and collect, which measured as the
 * largest single cost of the daemon's restore (bench/README.md). `undefined` where koffi or the
 * symbols are missing; the codec then decrypts with `node:crypto`.
 */
export interface NativeAes {
  /** A decryption context for `key` (32 bytes) and `iv` (16 bytes), PKCS#7 padding on. */
  decipher(key: Buffer, iv: Buffer): NativeDecipher;
  /** An encryption context for `key` (32 bytes) and `iv` (16 bytes), PKCS#7 padding on. */
  cipher(key: Buffer, iv: Buffer): NativeCipher;
}

export interface NativeCipher {
  /** Encrypts `input` into `out` (room: `input.length + 16` bytes); returns how many bytes it wrote. */
  update(input: Buffer, out: Buffer): number;
  /**
   * `update` on a worker thread, between native memory (`NativeBuffer.pointer`s: koffi would copy
   * a JS Buffer in and out of the call). One call at a time: CBC chains every block to the last.
   */
  updateOnWorker(input: unknown, length: number, out: unknown): Promise<number>;
  /** The padded last block into `out` (16 bytes of room); returns how many bytes it wrote. */
  final(out: Buffer): number;
  free(): void;
}

export interface NativeDecipher {
  /**
   * Decrypts `input` into `out`, which must have room for `input.length + 16` bytes; returns how
   * many bytes it wrote (CBC holds the last block back until `final`).
   */
  update(input: Buffer, out: Buffer): number;
  /** Checks and strips the padding of the held-back block into `out` (16 bytes of room); false: bad padding. */
  final(out: Buffer): number | false;
  free(): void;
}

export const AES_BLOCK = 16;
let loaded: NativeAes | null | undefined;

/** The binding, or undefined when koffi or Node's OpenSSL symbols cannot be reached (checked once). */
export function nativeAes(): NativeAes | undefined {
  if (loaded === undefined) loaded = load() ?? null;
  return loaded ?? undefined;
}

function load(): NativeAes | undefined {
  try {
    const koffi = require('koffi') as typeof Koffi;
    return bind(koffi.load(null as unknown as string));
  } catch {
    return undefined;
  }
}

function bind(lib: Koffi.LibraryHandle): NativeAes {
  const ctxNew = lib.func('void *EVP_CIPHER_CTX_new()');
  const ctxFree = lib.func('void EVP_CIPHER_CTX_free(void *ctx)');
  const aes256cbc = lib.func('const void *EVP_aes_256_cbc()');
  const init = lib.func(
    'int EVP_DecryptInit_ex(void *ctx, const void *type, void *impl, const void *key, const void *iv)',
  );
  const update = lib.func(
    'int EVP_DecryptUpdate(void *ctx, void *out, _Out_ int *outl, const void *in, int inl)',
  );
  const final = lib.func('int EVP_DecryptFinal_ex(void *ctx, void *out, _Out_ int *outl)');
  const encInit = lib.func(
    'int EVP_EncryptInit_ex(void *ctx, const void *type, void *impl, const void *key, const void *iv)',
  );
  const encUpdate = lib.func(
    'int EVP_EncryptUpdate(void *ctx, void *out, _Out_ int *outl, const void *in, int inl)',
  );
  const encFinal = lib.func('int EVP_EncryptFinal_ex(void *ctx, void *out, _Out_ int *outl)');
  const cipher = aes256cbc();
  if (cipher === null) throw new Error('EVP_aes_256_cbc is not available');
  /** A fresh context set up by `init`, and a guard that throws once it was freed. */
  const context = (key: Buffer, iv: Buffer, init: (ctx: unknown) => number, what: string) => {
    if (key.length !== 32 || iv.length !== AES_BLOCK)
      throw new RangeError('AES-256-CBC needs a 32-byte key and a 16-byte IV');
    let ctx: unknown = ctxNew();
    if (ctx === null) throw new Error('EVP_CIPHER_CTX_new failed (out of memory)');
    if (init(ctx) !== 1) {
      ctxFree(ctx);
      throw new Error(`${what} failed`);
    }
    return {
      live: (): unknown => {
        if (ctx === null) throw new Error('the AES context was freed');
        return ctx;
      },
      free: (): void => {
        if (ctx !== null) ctxFree(ctx);
        ctx = null;
      },
    };
  };
  /** `update` of either direction: `input` into `out` (room: input + one block); bytes written. */
  const updater =
    (fn: ReturnType<Koffi.LibraryHandle['func']>, what: string, live: () => unknown) =>
    (input: Buffer, out: Buffer): number => {
      if (out.length < input.length + AES_BLOCK) throw new RangeError('AES output buffer too small');
      if (input.length === 0) return 0;
      const written = [0];
      if (fn(live(), out, written, input, input.length) !== 1) throw new Error(`${what} failed`);
      return written[0];
    };
  return {
    cipher(key, iv) {
      const ctx = context(key, iv, (c) => encInit(c, cipher, null, key, iv), 'EVP_EncryptInit_ex');
      const written = [0];
      return {
        update: updater(encUpdate, 'EVP_EncryptUpdate', ctx.live),
        updateOnWorker(input, length, out) {
          const n = [0];
          return onWorker(
            (done) => encUpdate.async(ctx.live(), out, n, input, length, done),
            (ok) => {
              if (Number(ok) !== 1) throw new Error('EVP_EncryptUpdate failed');
              return n[0];
            },
          );
        },
        final(out) {
          if (out.length < AES_BLOCK) throw new RangeError('AES output buffer too small');
          if (encFinal(ctx.live(), out, written) !== 1) throw new Error('EVP_EncryptFinal_ex failed');
          return written[0];
        },
        free: ctx.free,
      };
    },
    decipher(key, iv) {
      const ctx = context(key, iv, (c) => init(c, cipher, null, key, iv), 'EVP_DecryptInit_ex');
      const written = [0];
      return {
        update: updater(update, 'EVP_DecryptUpdate', ctx.live),
        final(out) {
          if (out.length < AES_BLOCK) throw new RangeError('AES output buffer too small');
          return final(ctx.live(), out, written) === 1 ? written[0] : false;
        },
        free: ctx.free,
      };
    },
  };
}

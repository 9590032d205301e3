import { ConfigCorruptError, ConfigDecryptError, UserConfigError, errorMessage } from '../errors';

// What the main thread and config-codec-worker.ts say to each other. Byte payloads always travel
// as transferred ArrayBuffers the sender owns whole, so nothing is copied between threads.

export type CodecJob = { kind: 'compress' } | { kind: 'decode' };

/** A raw tar block to compress; it comes back holding the LZ4 block (or itself, stored). */
export type ToCompressor = { type: 'block'; block: Uint8Array; length: number };

export type ToDecoder =
  { type: 'input'; chunk: Uint8Array } | { type: 'end' } | { type: 'ack'; bytes: number };

export type FromWorker =
  | { type: 'data'; chunk: Uint8Array }
  /** Compressor: the block back, its first `length` bytes compressed, or raw when `stored`. */
  | { type: 'packed'; block: Uint8Array; length: number; stored: boolean }
  /** Decoder: ciphertext bytes it consumed. */
  | { type: 'consumed'; bytes: number }
  | { type: 'done' }
  | { type: 'error'; code: string | undefined; message: string };

/**
 * Bytes a thread may hand over before the other side confirms it consumed them: generous, so a
 * busy machine's scheduling delays do not starve either thread.
 */
export const IN_FLIGHT_BYTES = 8 * 1024 * 1024;
export const INPUT_IN_FLIGHT_BYTES = 4 * 1024 * 1024;

/** A Uint8Array that owns its whole ArrayBuffer (copied when it is a view), to transfer. */
export function owned(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && !isShared(bytes)) {
    return bytes;
  }
  return new Uint8Array(bytes);
}

function isShared(bytes: Uint8Array): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && bytes.buffer instanceof SharedArrayBuffer;
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function describeError(err: unknown): FromWorker {
  const code = err instanceof UserConfigError ? err.code : undefined;
  return { type: 'error', code, message: errorMessage(err) };
}

/** The worker's error as the same class the in-thread codec throws. */
export function workerError(msg: { code: string | undefined; message: string }): UserConfigError {
  if (msg.code === 'DECRYPT') return new ConfigDecryptError(msg.message);
  if (msg.code === 'CORRUPT') return new ConfigCorruptError(msg.message);
  return new ConfigCorruptError(`the config codec failed: ${msg.message}`);
}

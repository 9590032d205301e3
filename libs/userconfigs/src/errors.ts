export type UserConfigErrorCode =
  'DECRYPT' | 'CORRUPT' | 'UNSAFE_ENTRY' | 'INVALID_KEY' | 'STORE' | 'IO' | 'INVALID_OPTIONS';

/** Base class of every error this library throws; `code` is stable, messages are for people. */
export class UserConfigError extends Error {
  readonly code: UserConfigErrorCode;

  constructor(code: UserConfigErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Wrong token, or the bytes are not an `openssl enc -pbkdf2` archive of an LZ4 frame. */
export class ConfigDecryptError extends UserConfigError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DECRYPT', message, options);
  }
}

/** The archive decrypts but is truncated or damaged (LZ4 frame, checksum or tar). */
export class ConfigCorruptError extends UserConfigError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CORRUPT', message, options);
  }
}

/** An entry would land outside the target dir or is a kind we never create (device, fifo). */
export class UnsafeArchiveEntryError extends UserConfigError {
  readonly entryName: string;

  constructor(entryName: string, message: string, options?: { cause?: unknown }) {
    super('UNSAFE_ENTRY', message, options);
    this.entryName = entryName;
  }
}

/** A user id or app name that cannot safely become a path or object-key segment. */
export class InvalidConfigKeyError extends UserConfigError {
  readonly field: 'userId' | 'appName';

  constructor(field: 'userId' | 'appName', message: string) {
    super('INVALID_KEY', message);
    this.field = field;
  }
}

/** The store (S3 or local dir) could not be reached or answered with an error. */
export class ConfigStoreError extends UserConfigError {
  readonly objectKey: string;

  constructor(objectKey: string, message: string, options?: { cause?: unknown }) {
    super('STORE', message, options);
    this.objectKey = objectKey;
  }
}

/** Reading the config dir or writing the unpacked tree failed (permissions, disk full). */
export class ConfigIoError extends UserConfigError {
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('IO', message, options);
    this.path = path;
  }
}

/** The message of an Error, or the thrown value as a string (internal: the lib stays standalone). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

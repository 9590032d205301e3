import {
  createCipheriv,
  createDecipheriv,
  pbkdf2,
  randomBytes,
  type Cipheriv,
  type Decipheriv,
} from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { ConfigCorruptError, ConfigDecryptError } from '../errors';

// `openssl enc -aes-256-cbc -pbkdf2` defaults: "Salted__" + 8-byte salt, PBKDF2-HMAC-SHA256 with
// 10000 iterations giving 48 bytes = 32-byte key then 16-byte IV, PKCS#7 padding.
export const OPENSSL_MAGIC = Buffer.from('Salted__', 'latin1');
const SALT_LENGTH = 8;
const HEADER_LENGTH = OPENSSL_MAGIC.length + SALT_LENGTH;
const PBKDF2_ITERATIONS = 10_000;

const pbkdf2Async = promisify(pbkdf2);

async function deriveKeyIv(token: string, salt: Buffer): Promise<{ key: Buffer; iv: Buffer }> {
  const out = await pbkdf2Async(Buffer.from(token, 'utf8'), salt, PBKDF2_ITERATIONS, 48, 'sha256');
  return { key: out.subarray(0, 32), iv: out.subarray(32, 48) };
}

/** Key, IV and the "Salted__" header for a fresh salt, as openssl derives them for encryption. */
export async function deriveOpensslEncryption(
  token: string,
  salt: Buffer = randomBytes(SALT_LENGTH),
): Promise<{ key: Buffer; iv: Buffer; header: Buffer }> {
  const { key, iv } = await deriveKeyIv(token, salt);
  return { key, iv, header: Buffer.concat([OPENSSL_MAGIC, salt]) };
}

/**
 * Starts encrypting as `openssl aes-256-cbc -e -pbkdf2 -pass pass:<token>` does: `header` goes
 * first, then `cipher.update()` of every plaintext chunk, then `cipher.final()`.
 */
export async function startOpensslEncryption(
  token: string,
  salt: Buffer = randomBytes(SALT_LENGTH),
): Promise<{ header: Buffer; cipher: Cipheriv }> {
  const { key, iv, header } = await deriveOpensslEncryption(token, salt);
  return { header, cipher: createCipheriv('aes-256-cbc', key, iv) };
}

/** Encrypts exactly as `openssl aes-256-cbc -e -pbkdf2 -pass pass:<token>` does. */
export class OpensslEncryptStream extends Transform {
  private cipher: Cipheriv | undefined;

  constructor(
    private readonly token: string,
    private readonly salt: Buffer = randomBytes(SALT_LENGTH),
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.ready().then((cipher) => callback(null, cipher.update(chunk)), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.ready().then((cipher) => callback(null, cipher.final()), callback);
  }

  private async ready(): Promise<Cipheriv> {
    if (this.cipher) return this.cipher;
    const { header, cipher } = await startOpensslEncryption(this.token, this.salt);
    this.cipher = cipher;
    this.push(header);
    return cipher;
  }
}

/**
 * Decrypts `openssl enc -pbkdf2` output. CBC cannot tell a wrong key by itself (the padding check
 * passes about once in 256 tries), so the first plaintext bytes are checked against `expectMagic`
 * (the LZ4 frame magic): a mismatch there means wrong token; a failure after it means damage.
 */
export class OpensslDecryptStream extends Transform {
  private decipher: Decipheriv | undefined;
  private readonly header = new OpensslHeader();
  private verified: boolean;
  private seen = Buffer.alloc(0);

  constructor(
    private readonly token: string,
    private readonly expectMagic?: Buffer,
  ) {
    super();
    this.verified = !expectMagic || expectMagic.length === 0;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.consume(chunk).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    if (!this.decipher) {
      callback(this.header.truncated());
      return;
    }
    try {
      let last: Buffer;
      try {
        last = this.decipher.final();
      } catch (err) {
        throw badFinalBlock(this.verified, err);
      }
      this.emitPlain(last);
      callback(this.verified ? null : wrongToken());
    } catch (err) {
      callback(err as Error);
    }
  }

  private async consume(chunk: Buffer): Promise<void> {
    if (!this.decipher) {
      const opened = await this.header.read(chunk, this.token);
      if (!opened) return;
      this.decipher = createDecipheriv('aes-256-cbc', opened.key, opened.iv);
      chunk = opened.rest;
    }
    this.emitPlain(this.decipher.update(chunk));
  }

  private emitPlain(plain: Buffer): void {
    if (!this.verified && plain.length > 0) {
      const magic = this.expectMagic as Buffer;
      this.seen = Buffer.concat([this.seen, plain]);
      if (this.seen.length < magic.length) return;
      if (!this.seen.subarray(0, magic.length).equals(magic)) throw wrongToken();
      this.verified = true;
      plain = this.seen;
      this.seen = Buffer.alloc(0);
    }
    if (plain.length > 0) this.push(plain);
  }
}

/**
 * openssl's "Salted__" + salt header, gathered from the first chunks however they are cut; once
 * complete, the key and IV the token derives with that salt, and the bytes after the header.
 */
export class OpensslHeader {
  private bytes = Buffer.alloc(0);

  async read(chunk: Buffer, token: string): Promise<{ key: Buffer; iv: Buffer; rest: Buffer } | undefined> {
    this.bytes = Buffer.concat([this.bytes, chunk]);
    if (this.bytes.length < HEADER_LENGTH) {
      const n = Math.min(this.bytes.length, OPENSSL_MAGIC.length);
      if (!OPENSSL_MAGIC.subarray(0, n).equals(this.bytes.subarray(0, n))) throw notOpenssl();
      return undefined;
    }
    if (!this.bytes.subarray(0, OPENSSL_MAGIC.length).equals(OPENSSL_MAGIC)) throw notOpenssl();
    const { key, iv } = await deriveKeyIv(token, this.bytes.subarray(OPENSSL_MAGIC.length, HEADER_LENGTH));
    const rest = this.bytes.subarray(HEADER_LENGTH);
    this.bytes = Buffer.alloc(0);
    return { key, iv, rest };
  }

  /** The error for an input that ended before the header did. */
  truncated(): ConfigCorruptError {
    const what = this.bytes.length === 0 ? 'empty' : `only ${this.bytes.length} bytes long`;
    return new ConfigCorruptError(`the config archive is ${what}; it is truncated and cannot be restored`);
  }
}

/** The last block's padding did not check: damage once the start decrypted right, else the token. */
export function badFinalBlock(verified: boolean, cause?: unknown): ConfigCorruptError | ConfigDecryptError {
  return verified
    ? new ConfigCorruptError('the config archive is truncated or damaged (bad final AES block)', { cause })
    : wrongToken(cause);
}

function notOpenssl(): ConfigDecryptError {
  return new ConfigDecryptError(
    'the config archive does not start with openssl\'s "Salted__" header; it is not an archive this service wrote',
  );
}

export function wrongToken(cause?: unknown): ConfigDecryptError {
  return new ConfigDecryptError(
    'the config archive does not decrypt with this token (wrong config encryption token, or not a config archive)',
    { cause },
  );
}

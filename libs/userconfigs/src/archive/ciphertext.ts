import type { Cipheriv } from 'node:crypto';
import { ConfigIoError, errorMessage } from '../errors';
import { AES_BLOCK, type NativeCipher } from './native-aes';
import type { NativeBuffer, NativeLz4 } from './native-lz4';

/** What Ciphertext needs of a cipher: node:crypto's Cipheriv has it. */
interface StreamCipher {
  update(bytes: Buffer): Buffer;
  final(): Buffer;
}

/**
 * The encrypted output of a pack whose LZ4 runs elsewhere (a worker thread, liblz4's workers):
 * bytes are encrypted in frame order as they come, handed out by `take`, and the first failure of
 * the off-thread stage is kept and thrown from `take` instead.
 */
export class Ciphertext {
  private out: Buffer[];
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly cipher: StreamCipher | Cipheriv,
    opensslHeader: Buffer,
    private readonly dir: string,
  ) {
    this.out = [opensslHeader];
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  encrypt(bytes: Buffer): void {
    this.push(this.cipher.update(bytes));
  }

  /**
   * Encrypts the first `length` bytes of a native block, after everything encrypted before it;
   * start the next encryption only once this one is done.
   */
  encryptBlock(block: NativeBuffer, length: number): Promise<void> | void {
    this.encrypt(block.bytes.subarray(0, length));
  }

  /** The cipher's last block (PKCS#7 padding); call once, after the last `encrypt`. */
  final(): void {
    this.out.push(this.cipher.final());
  }

  /** Keeps the first failure, as a ConfigIoError naming the tree being packed. */
  fail(error: unknown): void {
    this.failure ??= {
      error: new ConfigIoError(this.dir, `cannot pack ${this.dir}: ${errorMessage(error)}`, { cause: error }),
    };
  }

  /** The ciphertext so far; throws the failure instead once there is one. */
  take(): Buffer[] {
    if (this.failure) throw this.failure.error;
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Frees what the cipher holds outside V8 (node:crypto's needs nothing); call once nothing is being encrypted. */
  free(): void {
    return undefined;
  }

  protected push(encrypted: Buffer): void {
    if (encrypted.length > 0) this.out.push(encrypted);
  }
}

/**
 * Ciphertext through Node's own OpenSSL (NativeCipher): the 4 MB blocks are encrypted on a worker
 * thread, from the sink's native block into a native buffer of its own, so this thread only copies
 * the result out; the few small pieces between them (frame header, block words, end) here.
 */
export class NativeCiphertext extends Ciphertext {
  private scratch: NativeBuffer | undefined;

  constructor(
    private readonly native: NativeCipher,
    private readonly lz4: NativeLz4,
    opensslHeader: Buffer,
    dir: string,
  ) {
    super(
      {
        update: (bytes: Buffer) => {
          const out = Buffer.allocUnsafe(bytes.length + AES_BLOCK);
          return out.subarray(0, native.update(bytes, out));
        },
        final: () => {
          const out = Buffer.alloc(AES_BLOCK);
          return out.subarray(0, native.final(out));
        },
      },
      opensslHeader,
      dir,
    );
  }

  override async encryptBlock(block: NativeBuffer, length: number): Promise<void> {
    if (length === 0) return;
    if (!this.scratch || this.scratch.bytes.length < length + AES_BLOCK) {
      this.scratch?.free();
      this.scratch = this.lz4.allocate(length + AES_BLOCK);
    }
    const n = await this.native.updateOnWorker(block.pointer, length, this.scratch.pointer);
    this.push(Buffer.from(this.scratch.bytes.subarray(0, n)));
  }

  override free(): void {
    this.native.free();
    this.scratch?.free();
    this.scratch = undefined;
  }
}

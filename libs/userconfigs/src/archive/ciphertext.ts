import type { Cipheriv } from 'node:crypto';
import { ConfigIoError, errorMessage } from '../errors';

/**
 * The encrypted output of a pack whose LZ4 runs elsewhere (a worker thread, liblz4's workers):
 * bytes are encrypted in frame order as they come, handed out by `take`, and the first failure of
 * the off-thread stage is kept and thrown from `take` instead.
 */
export class Ciphertext {
  private out: Buffer[];
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly cipher: Cipheriv,
    opensslHeader: Buffer,
    private readonly dir: string,
  ) {
    this.out = [opensslHeader];
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  encrypt(bytes: Buffer): void {
    const encrypted = this.cipher.update(bytes);
    if (encrypted.length > 0) this.out.push(encrypted);
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
}

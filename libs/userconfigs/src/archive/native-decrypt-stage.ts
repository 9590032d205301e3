import { AES_BLOCK, type NativeAes, type NativeDecipher } from './native-aes';
import type { InputStage } from './native-lz4-decoder';
import { OpensslHeader, badFinalBlock, wrongToken } from './openssl-cipher';

/**
 * `openssl enc -d -aes-256-cbc -pbkdf2` as the native LZ4 decoder's input stage: ciphertext chunks
 * are decrypted by Node's own OpenSSL straight into the decoder's native input buffer, so no
 * plaintext Buffer is ever allocated. Same checks and errors as OpensslDecryptStream: the header,
 * the first plaintext bytes against `expectMagic` (a mismatch there is a wrong token), the padding
 * of the last block.
 */
export class NativeDecryptStage implements InputStage {
  private readonly header = new OpensslHeader();
  private decipher: NativeDecipher | undefined;
  private start = Buffer.alloc(0);
  private verified: boolean;
  private freed = false;

  constructor(
    private readonly aes: NativeAes,
    private readonly token: string,
    private readonly expectMagic: Buffer,
  ) {
    this.verified = expectMagic.length === 0;
  }

  readonly slack = AES_BLOCK;

  /** Synchronous once the key is derived: no promise per chunk on the restore's hot path. */
  take(chunk: Buffer, dst: Buffer): number | Promise<number> {
    if (this.decipher) return this.check(dst, this.decipher.update(chunk, dst));
    return this.open(chunk, dst);
  }

  private async open(chunk: Buffer, dst: Buffer): Promise<number> {
    const opened = await this.header.read(chunk, this.token);
    if (!opened) return 0;
    if (this.freed) return 0; // destroyed while the key was derived
    this.decipher = this.aes.decipher(opened.key, opened.iv);
    return this.take(opened.rest, dst);
  }

  finish(dst: Buffer): number {
    if (!this.decipher) throw this.header.truncated();
    const last = this.decipher.final(dst);
    if (last === false) throw badFinalBlock(this.verified);
    this.check(dst, last);
    if (!this.verified) throw wrongToken();
    return last;
  }

  free(): void {
    this.freed = true;
    this.decipher?.free();
  }

  /** Looks at the first plaintext bytes (however the chunks cut them) before anything decodes them. */
  private check(dst: Buffer, written: number): number {
    if (!this.verified && written > 0) {
      const need = this.expectMagic.length - this.start.length;
      this.start = Buffer.concat([this.start, dst.subarray(0, Math.min(need, written))]);
      if (this.start.length === this.expectMagic.length) {
        if (!this.start.equals(this.expectMagic)) throw wrongToken();
        this.verified = true;
      }
    }
    return written;
  }
}

import type { Cipheriv } from 'node:crypto';
import { Lz4FrameWriter, type Lz4WriterOptions } from './lz4-frame-writer';
import type { TarSink } from './tar-pack';

/**
 * `lz4 | openssl enc` behind a TarSink: tar bytes land in the LZ4 writer's block buffer, every
 * full block is compressed and encrypted at once, on this thread, straight from the writer's
 * reused buffers; the ciphertext is the only allocation per block.
 */
export class ArchiveSink implements TarSink {
  private readonly lz4: Lz4FrameWriter;
  private out: Buffer[];

  constructor(
    private readonly cipher: Cipheriv,
    opensslHeader: Buffer,
    options: Lz4WriterOptions = {},
  ) {
    this.out = [opensslHeader];
    this.lz4 = new Lz4FrameWriter((bytes) => this.encrypt(bytes), options);
    this.lz4.start();
  }

  write(bytes: Uint8Array): void {
    this.lz4.write(bytes);
  }

  space(): Buffer {
    return this.lz4.space();
  }

  commit(n: number): void {
    this.lz4.commit(n);
  }

  take(): Buffer[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Ends the LZ4 frame and the cipher; `take` then returns the last bytes. */
  finish(): void {
    this.lz4.finish();
    this.out.push(this.cipher.final());
  }

  private encrypt(bytes: Buffer): void {
    const encrypted = this.cipher.update(bytes);
    if (encrypted.length > 0) this.out.push(encrypted);
  }
}

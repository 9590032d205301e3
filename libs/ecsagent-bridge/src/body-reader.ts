import { HeadParseError } from './http-head';

const MAX_CHUNK_LINE = 4096;

/**
 * Finds where a request body ends without changing a byte of it: `consume` reports how many of
 * the offered bytes belong to the body, so the caller can forward them verbatim.
 */
export interface BodyReader {
  /** `onPayload` gets the body's content without chunk framing. */
  consume(buf: Buffer, onPayload?: (data: Buffer) => void): number;
  readonly done: boolean;
}

export function createBodyReader(
  contentLength: string | undefined,
  transferEncoding: string | undefined,
): BodyReader {
  // Two framings, or one the engine may read differently, could make the engine see a request
  // the interposer did not (RFC 9112 6.3): refuse rather than forward them.
  if (transferEncoding !== undefined) {
    if (contentLength !== undefined) {
      throw new HeadParseError('both Transfer-Encoding and Content-Length; send only one');
    }
    if (!/(^|,)\s*chunked\s*$/i.test(transferEncoding)) {
      throw new HeadParseError(
        `Transfer-Encoding ${JSON.stringify(transferEncoding)} does not end in chunked`,
      );
    }
    return new ChunkedReader();
  }
  if (contentLength === undefined) return new LengthReader(0);
  if (!/^\d+$/.test(contentLength.trim())) {
    throw new HeadParseError(`bad Content-Length ${JSON.stringify(contentLength)}`);
  }
  return new LengthReader(Number(contentLength.trim()));
}

class LengthReader implements BodyReader {
  constructor(private remaining: number) {}

  get done(): boolean {
    return this.remaining === 0;
  }

  consume(buf: Buffer, onPayload?: (data: Buffer) => void): number {
    const n = Math.min(this.remaining, buf.length);
    this.remaining -= n;
    if (n > 0) onPayload?.(buf.subarray(0, n));
    return n;
  }
}

type ChunkState = 'size' | 'data' | 'data-crlf' | 'trailer' | 'done';

class ChunkedReader implements BodyReader {
  private state: ChunkState = 'size';
  private line = '';
  private remaining = 0;

  get done(): boolean {
    return this.state === 'done';
  }

  consume(buf: Buffer, onPayload?: (data: Buffer) => void): number {
    let i = 0;
    while (i < buf.length && this.state !== 'done') {
      if (this.state === 'data') {
        const n = Math.min(this.remaining, buf.length - i);
        onPayload?.(buf.subarray(i, i + n));
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) this.state = 'data-crlf';
        continue;
      }
      // size, data-crlf and trailer are line-oriented.
      const byte = buf[i] as number;
      i += 1;
      if (byte !== 0x0a) {
        if (byte !== 0x0d) this.line += String.fromCharCode(byte);
        if (this.line.length > MAX_CHUNK_LINE) throw new HeadParseError('chunk line too long');
        continue;
      }
      const line = this.line;
      this.line = '';
      this.onLine(line);
    }
    return i;
  }

  private onLine(line: string): void {
    if (this.state === 'data-crlf') {
      if (line !== '') throw new HeadParseError('missing CRLF after chunk data');
      this.state = 'size';
    } else if (this.state === 'size') {
      const hex = (line.split(';')[0] ?? '').trim();
      // 13 hex digits stay below 2^53, where the countdown would stop being exact.
      if (!/^0*[0-9a-fA-F]{1,13}$/.test(hex))
        throw new HeadParseError(`bad chunk size ${JSON.stringify(hex)}`);
      this.remaining = parseInt(hex, 16);
      this.state = this.remaining === 0 ? 'trailer' : 'data';
    } else if (this.state === 'trailer' && line === '') {
      this.state = 'done';
    }
  }
}

import { STATUS_CODES } from 'node:http';

/** Longest request head accepted; Docker clients send a few hundred bytes. */
export const MAX_HEAD_BYTES = 64 * 1024;

export interface RequestHead {
  method: string;
  target: string;
  version: string;
  /** Header name/value pairs in order, names as sent. */
  headers: Array<[string, string]>;
}

/** A request the interposer refuses; the connection is answered with `statusCode` and closed. */
export class HeadParseError extends Error {
  override readonly name = 'HeadParseError';

  constructor(
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

/** Index just past the `\r\n\r\n` that ends a head in `buf`, or -1 when it has not arrived yet. */
export function findHeadEnd(buf: Buffer): number {
  const i = buf.indexOf('\r\n\r\n');
  return i < 0 ? -1 : i + 4;
}

export function parseRequestHead(raw: Buffer): RequestHead {
  const lines = raw.toString('latin1').split('\r\n');
  const requestLine = lines[0] ?? '';
  const m = /^([A-Z]+) (\S+) (HTTP\/1\.[01])$/.exec(requestLine);
  if (!m) throw new HeadParseError(`bad request line ${JSON.stringify(requestLine.slice(0, 80))}`);
  const headers: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HeadParseError(`bad header line ${JSON.stringify(line.slice(0, 80))}`);
    headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return { method: m[1] as string, target: m[2] as string, version: m[3] as string, headers };
}

export function headerValue(head: RequestHead, name: string): string | undefined {
  const lower = name.toLowerCase();
  const values = head.headers.filter(([k]) => k.toLowerCase() === lower).map(([, v]) => v);
  return values.length === 0 ? undefined : values.join(', ');
}

export function headerHasToken(head: RequestHead, name: string, token: string): boolean {
  const value = headerValue(head, name);
  if (value === undefined) return false;
  return value
    .toLowerCase()
    .split(',')
    .some((t) => t.trim() === token);
}

export function serializeRequestHead(head: RequestHead): Buffer {
  const lines = [`${head.method} ${head.target} ${head.version}`];
  for (const [k, v] of head.headers) lines.push(`${k}: ${v}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/** A complete HTTP/1.1 response with a fixed-length body. */
export function serializeResponse(
  statusCode: number,
  headers: Array<[string, string]>,
  body: Buffer,
  close: boolean,
): Buffer {
  const skip = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);
  const lines = [`HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? 'Unknown'}`];
  for (const [k, v] of headers) if (!skip.has(k.toLowerCase())) lines.push(`${k}: ${v}`);
  lines.push(`Content-Length: ${body.length}`);
  if (close) lines.push('Connection: close');
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

/** A Docker-style JSON error answer: `{"message": "..."}`. */
export function dockerErrorResponse(statusCode: number, message: string, close: boolean): Buffer {
  const body = Buffer.from(`${JSON.stringify({ message })}\n`);
  return serializeResponse(statusCode, [['Content-Type', 'application/json']], body, close);
}

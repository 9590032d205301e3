import type { BodyReader } from './body-reader';
import { createBodyReader } from './body-reader';
import type { CreateTarget } from './create-route';
import { matchCreate, routedPath } from './create-route';
import type { RequestHead } from './http-head';
import {
  HeadParseError,
  MAX_HEAD_BYTES,
  findHeadEnd,
  headerHasToken,
  headerValue,
  parseRequestHead,
  serializeRequestHead,
} from './http-head';

const ATTACH_PATH = /^\/(?:v[\d.]+\/)?containers\/[^/]+\/attach\/?$/;
const EXEC_START_PATH = /^\/(?:v[\d.]+\/)?exec\/[^/]+\/start\/?$/;
/** Exec-start bodies are a few flags; one this big is not worth inspecting. */
const MAX_INSPECTED_BODY = 64 * 1024;
/** Create bodies are held whole for the hook; ECS task definitions are capped at 64 KiB. */
export const MAX_CREATE_BODY = 8 * 1024 * 1024;

/** What the framer decided about the bytes it was given, in the order they must happen. */
export interface FramerSink {
  /** Bytes for the engine, verbatim (the first call opens the upstream connection). */
  forward(data: Buffer): void;
  /** The client sent `Expect: 100-continue` on a create: answer it before the body comes. */
  continueCreate(): void;
  /** A whole create request for the hook. The framer is busy until `resume()`. */
  create(head: RequestHead, target: CreateTarget, body: Buffer): void;
}

type Pending =
  /** `hijack`: an exec start too big to inspect, which turns into a raw stream once sent. */
  | { kind: 'forward'; hijack?: boolean }
  | { kind: 'create'; head: RequestHead; target: CreateTarget; chunks: Buffer[]; size: number }
  | { kind: 'exec-start'; head: RequestHead; chunks: Buffer[]; payload: Buffer[]; size: number };

/**
 * The client side of one interposer connection as a pure state machine: no sockets, no timers.
 * Requests are framed (head + Content-Length/chunked body) so that a create anywhere in a
 * keep-alive sequence reaches the hook; everything else is forwarded byte for byte. After a
 * hijacking request (an upgrade, an attach, a non-detached exec start) every byte is forwarded.
 * `push` throws `HeadParseError` (or `Error`) for a request the engine must not see.
 */
export class RequestFramer {
  private buf: Buffer = Buffer.alloc(0);
  /** `closed`: refused or torn down; everything pushed is dropped. */
  private state: 'head' | 'body' | 'busy' | 'raw' | 'closed' = 'head';
  private reader: BodyReader | null = null;
  private pending: Pending = { kind: 'forward' };

  /** A create is with the hook; the bytes after it wait. */
  get busy(): boolean {
    return this.state === 'busy';
  }

  get raw(): boolean {
    return this.state === 'raw';
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  push(chunk: Buffer, sink: FramerSink): void {
    if (this.state === 'closed') return;
    if (this.state === 'raw') {
      sink.forward(chunk);
      return;
    }
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.process(sink);
  }

  /** The create's answer went out: frame what waited behind it (call `push` with nothing). */
  resume(): void {
    if (this.state === 'busy') this.state = 'head';
  }

  /** Drops what is buffered and everything pushed from now on. */
  close(): void {
    this.state = 'closed';
    this.buf = Buffer.alloc(0);
  }

  private process(sink: FramerSink): void {
    while (this.buf.length > 0) {
      if (this.state === 'head') {
        const end = findHeadEnd(this.buf);
        if (end < 0) {
          if (this.buf.length > MAX_HEAD_BYTES) throw new Error(`request head over ${MAX_HEAD_BYTES} bytes`);
          return;
        }
        const raw = this.buf.subarray(0, end);
        this.buf = this.buf.subarray(end);
        this.startRequest(raw, sink);
      } else if (this.state === 'body') {
        this.readBody(sink);
      } else if (this.state === 'raw') {
        const rest = this.buf;
        this.buf = Buffer.alloc(0);
        sink.forward(rest);
      } else {
        return; // busy: the rest waits until the create is answered; closed: dropped
      }
    }
  }

  private startRequest(raw: Buffer, sink: FramerSink): void {
    const head = parseRequestHead(raw);
    const path = routedPath(head.target);
    this.reader = createBodyReader(
      headerValue(head, 'content-length'),
      headerValue(head, 'transfer-encoding'),
    );
    const target = matchCreate(head.method, head.target);
    if (target) {
      const length = Number(headerValue(head, 'content-length') ?? 0);
      if (length > MAX_CREATE_BODY) {
        throw new HeadParseError(`container create body of ${length} bytes is over ${MAX_CREATE_BODY}`, 413);
      }
      if (headerHasToken(head, 'expect', '100-continue')) sink.continueCreate();
      this.pending = { kind: 'create', head, target, chunks: [], size: 0 };
      this.state = 'body';
    } else if (
      headerHasToken(head, 'connection', 'upgrade') ||
      (head.method === 'POST' && ATTACH_PATH.test(path))
    ) {
      // The body of a hijacked request is the start of the stream itself.
      sink.forward(raw);
      this.state = 'raw';
    } else if (head.method === 'POST' && EXEC_START_PATH.test(path)) {
      this.pending = { kind: 'exec-start', head, chunks: [], payload: [], size: 0 };
      this.state = 'body';
    } else {
      sink.forward(raw);
      this.pending = { kind: 'forward' };
      this.state = 'body';
    }
    if (this.state === 'body' && this.reader.done) this.finishRequest(sink);
  }

  private readBody(sink: FramerSink): void {
    const reader = this.reader as BodyReader;
    const p = this.pending;
    // Creates are re-encoded, so they keep the content; everything else keeps its framing.
    const n = reader.consume(
      this.buf,
      p.kind === 'create'
        ? (d) => {
            p.chunks.push(d);
            p.size += d.length;
          }
        : p.kind === 'exec-start'
          ? (d) => p.payload.push(d)
          : undefined,
    );
    const part = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    this.onBody(part, sink);
    if (p.kind === 'create' && p.size > MAX_CREATE_BODY) {
      throw new HeadParseError(`container create body over ${MAX_CREATE_BODY} bytes`, 413);
    }
    if (reader.done) this.finishRequest(sink);
  }

  private onBody(part: Buffer, sink: FramerSink): void {
    const p = this.pending;
    if (p.kind === 'forward') {
      if (part.length > 0) sink.forward(part);
    } else if (p.kind === 'exec-start') {
      p.chunks.push(part);
      p.size += part.length;
      if (p.size > MAX_INSPECTED_BODY) {
        // Too big to be a detach flag: send what came so far and stream the rest.
        this.pending = { kind: 'forward', hijack: true };
        sink.forward(serializeRequestHead(p.head));
        sink.forward(Buffer.concat(p.chunks));
      }
    }
  }

  private finishRequest(sink: FramerSink): void {
    const p = this.pending;
    this.pending = { kind: 'forward' };
    this.state = 'head';
    if (p.kind === 'create') {
      this.state = 'busy';
      sink.create(p.head, p.target, Buffer.concat(p.chunks));
    } else if (p.kind === 'exec-start') {
      sink.forward(serializeRequestHead(p.head));
      sink.forward(Buffer.concat(p.chunks));
      if (!isDetachedExecStart(Buffer.concat(p.payload))) this.state = 'raw';
    } else if (p.hijack) {
      this.state = 'raw';
    }
  }
}

function isDetachedExecStart(body: Buffer): boolean {
  try {
    const json = JSON.parse(body.toString('utf8')) as { Detach?: unknown };
    return json.Detach === true;
  } catch {
    return false;
  }
}

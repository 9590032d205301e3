import { connect, type Socket } from 'node:net';
import type { DockerUpstream } from './docker-host';
import { describeUpstream } from './docker-host';
import type { BodyReader } from './body-reader';
import { createBodyReader } from './body-reader';
import type { CreateTarget } from './create-route';
import { handleCreate, matchCreate, routedPath } from './create-route';
import type { RequestHead } from './http-head';
import {
  HeadParseError,
  MAX_HEAD_BYTES,
  dockerErrorResponse,
  findHeadEnd,
  headerHasToken,
  headerValue,
  parseRequestHead,
  serializeRequestHead,
} from './http-head';
import type { BridgeLogger, ContainerCreateHook } from './types';

const ATTACH_PATH = /^\/(?:v[\d.]+\/)?containers\/[^/]+\/attach\/?$/;
const EXEC_START_PATH = /^\/(?:v[\d.]+\/)?exec\/[^/]+\/start\/?$/;
/** Exec-start bodies are a few flags; one this big is not worth inspecting. */
const MAX_INSPECTED_BODY = 64 * 1024;
/** Create bodies are held whole for the hook; ECS task definitions are capped at 64 KiB. */
export const MAX_CREATE_BODY = 8 * 1024 * 1024;

export interface ConnectionDeps {
  upstream: DockerUpstream;
  hook: ContainerCreateHook;
  logger: BridgeLogger | undefined;
  track(abort: () => void): () => void;
  trackWork(work: Promise<unknown>): void;
}

type Pending =
  /** `hijack`: an exec start too big to inspect, which turns into a raw stream once sent. */
  | { kind: 'forward'; hijack?: boolean }
  | { kind: 'create'; head: RequestHead; target: CreateTarget; chunks: Buffer[]; size: number }
  | { kind: 'exec-start'; head: RequestHead; chunks: Buffer[]; payload: Buffer[]; size: number };

/**
 * One client connection. Requests are framed (head + Content-Length/chunked body) so that a
 * create anywhere in a keep-alive sequence reaches the hook; everything else goes to a per-client
 * upstream connection byte for byte, and answers come back the same way, so streams, chunked
 * bodies and hijacks behave exactly as with Docker. After a hijacking request (an upgrade, an
 * attach, a non-detached exec start) the connection is a raw pipe both ways.
 */
export class InterposerConnection {
  private buf: Buffer = Buffer.alloc(0);
  /** `closing`: refused; the answer is on its way and everything the client sends is dropped. */
  private state: 'head' | 'body' | 'busy' | 'raw' | 'closing' = 'head';
  private reader: BodyReader | null = null;
  private pending: Pending = { kind: 'forward' };
  private upstream: Socket | null = null;
  private clientEnded = false;
  private closed = false;

  constructor(
    private readonly client: Socket,
    private readonly deps: ConnectionDeps,
  ) {
    client.on('data', (chunk: Buffer) => this.onData(chunk));
    client.on('end', () => this.onClientEnd());
    client.on('error', () => this.destroy());
    client.on('close', () => this.destroy());
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
    this.upstream?.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closing') return;
    if (this.state === 'raw') {
      this.writeUpstream(chunk);
      return;
    }
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    try {
      this.process();
    } catch (err) {
      this.deps.logger?.warn({ err }, 'unparsable request on the Docker interposer socket; closing it');
      if (this.upstream) {
        this.upstream.unpipe(this.client);
        this.upstream.destroy();
      }
      const status = err instanceof HeadParseError ? err.statusCode : 400;
      const reason = status === 413 ? 'request too large' : 'bad request';
      this.state = 'closing';
      this.buf = Buffer.alloc(0);
      this.endAndDestroy(dockerErrorResponse(status, `${reason}: ${(err as Error).message}`, true));
    }
  }

  private process(): void {
    while (this.buf.length > 0 && !this.closed) {
      if (this.state === 'head') {
        const end = findHeadEnd(this.buf);
        if (end < 0) {
          if (this.buf.length > MAX_HEAD_BYTES) throw new Error(`request head over ${MAX_HEAD_BYTES} bytes`);
          return;
        }
        const raw = this.buf.subarray(0, end);
        this.buf = this.buf.subarray(end);
        this.startRequest(raw);
      } else if (this.state === 'body') {
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
        this.onBody(part);
        if (p.kind === 'create' && p.size > MAX_CREATE_BODY) {
          throw new HeadParseError(`container create body over ${MAX_CREATE_BODY} bytes`, 413);
        }
        if (reader.done) this.finishRequest();
      } else if (this.state === 'raw') {
        const rest = this.buf;
        this.buf = Buffer.alloc(0);
        this.writeUpstream(rest);
      } else {
        return; // busy: the rest waits until the create is answered
      }
    }
  }

  private startRequest(raw: Buffer): void {
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
      if (headerHasToken(head, 'expect', '100-continue')) this.client.write('HTTP/1.1 100 Continue\r\n\r\n');
      this.pending = { kind: 'create', head, target, chunks: [], size: 0 };
      this.state = 'body';
    } else if (
      headerHasToken(head, 'connection', 'upgrade') ||
      (head.method === 'POST' && ATTACH_PATH.test(path))
    ) {
      // The body of a hijacked request is the start of the stream itself.
      this.writeUpstream(raw);
      this.state = 'raw';
    } else if (head.method === 'POST' && EXEC_START_PATH.test(path)) {
      this.pending = { kind: 'exec-start', head, chunks: [], payload: [], size: 0 };
      this.state = 'body';
    } else {
      this.writeUpstream(raw);
      this.pending = { kind: 'forward' };
      this.state = 'body';
    }
    if (this.state === 'body' && this.reader.done) this.finishRequest();
  }

  private onBody(part: Buffer): void {
    const p = this.pending;
    if (p.kind === 'forward') {
      if (part.length > 0) this.writeUpstream(part);
    } else if (p.kind === 'exec-start') {
      p.chunks.push(part);
      p.size += part.length;
      if (p.size > MAX_INSPECTED_BODY) {
        // Too big to be a detach flag: send what came so far and stream the rest.
        this.pending = { kind: 'forward', hijack: true };
        this.writeUpstream(serializeRequestHead(p.head));
        this.writeUpstream(Buffer.concat(p.chunks));
      }
    }
  }

  private finishRequest(): void {
    const p = this.pending;
    this.pending = { kind: 'forward' };
    this.state = 'head';
    if (p.kind === 'create') {
      this.runCreate(p.head, p.target, Buffer.concat(p.chunks));
    } else if (p.kind === 'exec-start') {
      this.writeUpstream(serializeRequestHead(p.head));
      this.writeUpstream(Buffer.concat(p.chunks));
      if (!isDetachedExecStart(Buffer.concat(p.payload))) this.state = 'raw';
    } else if (p.hijack) {
      this.state = 'raw';
    }
  }

  private runCreate(head: RequestHead, target: CreateTarget, body: Buffer): void {
    this.state = 'busy';
    this.client.pause();
    const close = headerHasToken(head, 'connection', 'close') || head.version === 'HTTP/1.0';
    const { upstream, hook, logger, track } = this.deps;
    const work = handleCreate({ head, target, body, hook, upstream, logger, close, track }).then(
      (answer) => {
        if (this.closed) return;
        if (close) {
          this.endAndDestroy(answer);
          return;
        }
        this.client.write(answer);
        this.state = 'head';
        if (this.clientEnded && !this.upstream) this.client.end();
        this.client.resume();
        this.onData(Buffer.alloc(0));
      },
      (err: unknown) => {
        logger?.error({ err }, 'container create through the Docker interposer failed');
        this.destroy();
      },
    );
    this.deps.trackWork(work);
  }

  private writeUpstream(data: Buffer): void {
    if (this.closed) return;
    if (!this.upstream) this.upstream = this.openUpstream();
    if (data.length === 0) return;
    if (!this.upstream.write(data) && this.state !== 'busy') {
      this.client.pause();
      this.upstream.once('drain', () => {
        if (this.state !== 'busy') this.client.resume();
      });
    }
  }

  private openUpstream(): Socket {
    const to = this.deps.upstream;
    const upstream = connect(
      to.socketPath !== undefined
        ? { path: to.socketPath, allowHalfOpen: true }
        : { host: to.host, port: to.port, allowHalfOpen: true },
    );
    upstream.on('error', (err) => {
      this.deps.logger?.warn({ err, upstream: describeUpstream(to) }, 'Docker engine connection failed');
      this.destroy();
    });
    // A clean close needs nothing here: the pipe ends the client after the last byte is written.
    upstream.on('close', (hadError) => {
      if (hadError) this.destroy();
    });
    upstream.pipe(this.client);
    return upstream;
  }

  /**
   * Sends a last answer and then closes both directions: a half-open socket (the client's read side
   * paused or ignored) would otherwise stay open, and keep buffering, as long as the client likes.
   */
  private endAndDestroy(answer: Buffer): void {
    this.client.end(answer, () => this.destroy());
  }

  private onClientEnd(): void {
    this.clientEnded = true;
    if (this.upstream) this.upstream.end();
    else if (this.state !== 'busy') this.client.end();
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

import { connect, type Socket } from 'node:net';
import type { DockerUpstream } from './docker-host';
import { describeUpstream } from './docker-host';
import type { CreateTarget } from './create-route';
import { handleCreate } from './create-route';
import type { RequestHead } from './http-head';
import { HeadParseError, dockerErrorResponse, headerHasToken } from './http-head';
import { RequestFramer, type FramerSink } from './request-framer';
import type { BridgeLogger, ContainerCreateHook } from './types';

export interface ConnectionDeps {
  upstream: DockerUpstream;
  hook: ContainerCreateHook;
  logger: BridgeLogger | undefined;
  track(abort: () => void): () => void;
  trackWork(work: Promise<unknown>): void;
}

/**
 * Drives one client connection: the `RequestFramer` decides what each byte is, this class moves
 * the bytes. Everything but a create goes to a per-client upstream connection byte for byte, and
 * answers come back the same way, so streams, chunked bodies and hijacks behave exactly as with
 * Docker.
 */
export class InterposerConnection {
  private readonly framer = new RequestFramer();
  private readonly sink: FramerSink = {
    forward: (data) => this.writeUpstream(data),
    continueCreate: () => void this.client.write('HTTP/1.1 100 Continue\r\n\r\n'),
    create: (head, target, body) => this.runCreate(head, target, body),
  };
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
    this.framer.close();
    this.client.destroy();
    this.upstream?.destroy();
  }

  private onData(chunk: Buffer): void {
    try {
      this.framer.push(chunk, this.sink);
    } catch (err) {
      this.deps.logger?.warn({ err }, 'unparsable request on the Docker interposer socket; closing it');
      if (this.upstream) {
        this.upstream.unpipe(this.client);
        this.upstream.destroy();
      }
      const status = err instanceof HeadParseError ? err.statusCode : 400;
      const reason = status === 413 ? 'request too large' : 'bad request';
      // Refused: the answer is on its way and everything the client sends from now on is dropped.
      this.framer.close();
      this.endAndDestroy(dockerErrorResponse(status, `${reason}: ${(err as Error).message}`, true));
    }
  }

  private runCreate(head: RequestHead, target: CreateTarget, body: Buffer): void {
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
        this.framer.resume();
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
    if (!this.upstream.write(data) && !this.framer.busy) {
      this.client.pause();
      this.upstream.once('drain', () => {
        if (!this.framer.busy) this.client.resume();
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
    else if (!this.framer.busy) this.client.end();
  }
}

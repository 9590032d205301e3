import type { Logger } from '@fractal/logger';
import { LABEL_DIR } from './container-config';
import type { DockerEngine } from './docker';

export interface ContainerEvent {
  id: string;
  action: string;
  /** seconds since the epoch, as Docker reports it */
  time: number;
}

export interface DockerEventLoopOptions {
  docker: DockerEngine;
  /** Only this daemon's containers. */
  fractalDir: string;
  logger: Logger;
  onEvent: (event: ContainerEvent) => void;
  /** Called after every (re)subscription, so state lost while the stream was down is repaired. */
  onResubscribed: () => Promise<void>;
  now: () => number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * One subscription to container die/destroy events of Fractal containers. Reopened after any error
 * with backoff and `since` = the last event seen, so an engine restart is survived.
 */
export class DockerEventLoop {
  private stream?: NodeJS.ReadableStream & { destroy?: () => void };
  private stopped = false;
  private lastEventTime?: number;
  private backoffMs: number;
  private timer?: NodeJS.Timeout;

  constructor(private readonly opts: DockerEventLoopOptions) {
    this.backoffMs = opts.minBackoffMs ?? 100;
  }

  /** Resolves once the first subscription is open (or has failed and a retry is scheduled). */
  async start(): Promise<void> {
    await this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.stream?.removeAllListeners('data');
    this.stream?.destroy?.();
    this.stream = undefined;
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    // Docker's clock may differ slightly from ours; a repeated event is harmless, a lost one is not.
    const since = this.lastEventTime ?? Math.floor(this.opts.now() / 1000) - 1;
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.opts.docker.events({
        since,
        filters: {
          type: ['container'],
          event: ['die', 'destroy'],
          label: [`${LABEL_DIR}=${this.opts.fractalDir}`],
        },
      });
    } catch (err) {
      this.opts.logger.warn({ err }, 'docker events: subscribe failed; retrying');
      this.scheduleReopen();
      return;
    }
    if (this.stopped) {
      (stream as { destroy?: () => void }).destroy?.();
      return;
    }
    this.stream = stream;
    this.backoffMs = this.opts.minBackoffMs ?? 100;
    let buffered = '';
    stream.on('data', (chunk: Buffer | string) => {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line) this.handleLine(line);
      }
    });
    let ended = false;
    const onEnd = (err?: unknown): void => {
      if (ended || this.stopped) return;
      ended = true;
      this.stream = undefined;
      this.opts.logger.warn({ err }, 'docker events: stream ended; resubscribing');
      this.scheduleReopen();
    };
    stream.on('error', onEnd);
    stream.on('end', () => onEnd());
    stream.on('close', () => onEnd());
    await this.opts.onResubscribed().catch((err: unknown) => {
      this.opts.logger.error({ err }, 'docker events: reconcile after subscribe failed');
    });
  }

  private handleLine(line: string): void {
    let raw: { id?: unknown; Action?: unknown; status?: unknown; time?: unknown };
    try {
      raw = JSON.parse(line) as typeof raw;
    } catch {
      this.opts.logger.warn({ line: line.slice(0, 200) }, 'docker events: unparsable line skipped');
      return;
    }
    const id = typeof raw.id === 'string' ? raw.id : undefined;
    const action =
      typeof raw.Action === 'string' ? raw.Action : typeof raw.status === 'string' ? raw.status : '';
    if (typeof raw.time === 'number') this.lastEventTime = raw.time;
    if (id) this.opts.onEvent({ id, action, time: typeof raw.time === 'number' ? raw.time : 0 });
  }

  private scheduleReopen(): void {
    if (this.stopped) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs ?? 5000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.open();
    }, delay);
    this.timer.unref();
  }
}

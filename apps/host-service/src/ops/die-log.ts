import type Dockerode from 'dockerode';
import type { Logger } from '@fractal/logger';

interface DockerEvent {
  id?: string;
  Action?: string;
  status?: string;
  time?: number;
  Actor?: { Attributes?: Record<string, string> };
}

/**
 * One log line per Fractal container that dies, with its exit code and whether the kernel's OOM
 * killer ended it. Docker reports an `oom` event before the `die`; its own subscription (with
 * `since`, reopened with backoff) keeps this apart from the container manager's event loop.
 */
export class DieLog {
  private readonly oomKilled = new Set<string>();
  private stream: (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
  private stopped = false;
  private since = Math.floor(Date.now() / 1000);
  private backoffMs = 250;
  private timer: NodeJS.Timeout | undefined;

  /**
   * `owns` tells this daemon's containers from those of another one on the same engine (tests
   * share one); without it every Fractal container's death is logged.
   */
  constructor(
    private readonly docker: Dockerode,
    private readonly logger: Logger,
    private readonly owns: (fractalId: string) => boolean = () => true,
  ) {}

  async start(): Promise<void> {
    await this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.stream?.removeAllListeners('data');
    this.stream?.destroy?.();
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await this.docker.getEvents({
        since: this.since,
        filters: { type: ['container'], event: ['oom', 'die'], label: ['fractal.id'] },
      })) as NodeJS.ReadableStream;
    } catch {
      this.reopenLater();
      return;
    }
    if (this.stopped) return void (stream as { destroy?: () => void }).destroy?.();
    this.stream = stream;
    this.backoffMs = 250;
    let buffered = '';
    stream.on('data', (chunk: Buffer | string) => {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line !== '') this.handle(line);
      }
    });
    let ended = false;
    const onEnd = (): void => {
      if (ended || this.stopped) return;
      ended = true;
      this.reopenLater();
    };
    stream.on('error', onEnd);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
  }

  private handle(line: string): void {
    let event: DockerEvent;
    try {
      event = JSON.parse(line) as DockerEvent;
    } catch {
      return;
    }
    if (typeof event.time === 'number') this.since = event.time;
    const id = event.id;
    if (id === undefined) return;
    const action = event.Action ?? event.status;
    if (action === 'oom') {
      this.oomKilled.add(id);
      return;
    }
    if (action !== 'die') return;
    const attrs = event.Actor?.Attributes ?? {};
    const oomKilled = this.oomKilled.delete(id);
    if (!this.owns(attrs['fractal.id'] ?? '')) return;
    const exitCode = attrs.exitCode === undefined ? null : Number(attrs.exitCode);
    const fields = {
      fractalId: attrs['fractal.id'],
      dockerId: id,
      appName: attrs['fractal.app'],
      exitCode,
      oomKilled,
    };
    // A clean exit is the session ending; anything else an operator may want to look at.
    if (exitCode === 0 && !oomKilled) this.logger.info(fields, 'container died');
    else
      this.logger.warn(
        fields,
        `container died (exit code ${exitCode ?? 'unknown'}${oomKilled ? ', OOM-killed' : ''})`,
      );
  }

  private reopenLater(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.open(), this.backoffMs);
    this.timer.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, 5_000);
  }
}

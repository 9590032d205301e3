import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { DockerError } from '../src/containers';
import type { CreateBody, DockerEngine, ListedContainer } from '../src/containers';

export interface FakeContainer {
  id: string;
  options: CreateBody;
  state: 'created' | 'running' | 'exited';
}

/**
 * An in-memory engine behind the DockerEngine interface. It behaves (containers have states,
 * `kill` emits `die` on open event streams, label filters apply, aborted calls fail), so tests
 * check outcomes, not calls. Failures are injected as the typed errors the real adapter throws.
 */
export class FakeDockerEngine implements DockerEngine {
  readonly containers = new Map<string, FakeContainer>();
  readonly eventSubscriptions: Array<{ since?: number; filters?: unknown }> = [];
  private streams: PassThrough[] = [];
  images = new Set(['fractal/test-protocol:latest']);
  failStart?: Error;
  /** `docker rm` fails as when the engine is away, while events and ps still work. */
  failRemove = false;
  down = false;

  async create(body: CreateBody, signal?: AbortSignal): Promise<string> {
    this.check(signal);
    if (!this.images.has(body.Image ?? ''))
      throw new DockerError('NOT_FOUND', `No such image: ${body.Image}`);
    const id = randomBytes(32).toString('hex');
    this.containers.set(id, { id, options: structuredClone(body), state: 'created' });
    return id;
  }

  async start(id: string, signal?: AbortSignal): Promise<void> {
    this.check(signal);
    if (this.failStart) throw this.failStart;
    this.must(id).state = 'running';
  }

  async stop(id: string, _graceSeconds: number, signal?: AbortSignal): Promise<void> {
    this.check(signal);
    const c = this.must(id);
    if (c.state !== 'running') throw new DockerError('NOT_MODIFIED', 'container already stopped');
    this.kill(id);
  }

  async remove(id: string, signal?: AbortSignal): Promise<void> {
    this.check(signal);
    if (this.failRemove) throw new DockerError('UNAVAILABLE', `docker rm ${id}: connect ECONNREFUSED`);
    this.must(id);
    if (this.containers.get(id)?.state === 'running') this.kill(id);
    this.containers.delete(id);
    this.emit(id, 'destroy');
  }

  async list(labelFilters: readonly string[], signal?: AbortSignal): Promise<ListedContainer[]> {
    this.check(signal);
    return [...this.containers.values()]
      .filter((c) => labelFilters.every((f) => matchesLabel(c.options.Labels ?? {}, f)))
      .map((c) => ({ id: c.id, state: c.state, labels: { ...c.options.Labels } }));
  }

  async events(
    query: { since?: number; filters?: unknown },
    signal?: AbortSignal,
  ): Promise<NodeJS.ReadableStream> {
    this.check(signal);
    this.eventSubscriptions.push(query);
    const stream = new PassThrough();
    this.streams.push(stream);
    stream.on('close', () => (this.streams = this.streams.filter((s) => s !== stream)));
    return stream;
  }

  /** A container carrying these labels appears on the engine (another run's, or a late create). */
  seed(labels: Record<string, string>, state: FakeContainer['state'] = 'running'): string {
    const id = randomBytes(32).toString('hex');
    this.containers.set(id, {
      id,
      options: { Image: 'fractal/test-protocol:latest', Labels: labels },
      state,
    });
    return id;
  }

  /** The container's process exits: Docker emits `die`. */
  kill(id: string): void {
    const c = this.must(id);
    c.state = 'exited';
    this.emit(id, 'die');
  }

  /** Every open event stream fails, as when the engine goes away. */
  breakEventStreams(): void {
    for (const s of this.streams) s.destroy(new Error('socket hang up'));
    this.streams = [];
  }

  get openStreams(): number {
    return this.streams.length;
  }

  private emit(id: string, action: string): void {
    const line = JSON.stringify({
      id,
      Type: 'container',
      Action: action,
      status: action,
      time: Math.floor(Date.now() / 1000),
    });
    for (const s of this.streams) s.write(`${line}\n`);
  }

  private must(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new DockerError('NOT_FOUND', `No such container: ${id}`);
    return c;
  }

  private check(signal?: AbortSignal): void {
    if (signal?.aborted) throw new DockerError('ABORTED', 'request aborted');
    if (this.down) throw new DockerError('UNAVAILABLE', 'connect ECONNREFUSED /var/run/docker.sock');
  }
}

function matchesLabel(labels: Record<string, string>, filter: string): boolean {
  const eq = filter.indexOf('=');
  if (eq < 0) return filter in labels;
  return labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}

import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type Dockerode from 'dockerode';

export interface FakeContainer {
  id: string;
  options: Dockerode.ContainerCreateOptions;
  state: 'created' | 'running' | 'exited';
}

function dockerError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), { statusCode });
}

/**
 * An in-memory engine with the dockerode calls ContainerManager makes. It behaves (containers
 * have states, `kill` emits `die` on open event streams), so tests check outcomes, not calls.
 * Not part of the app bundle: only specs and benches import it.
 */
export class FakeDocker {
  readonly containers = new Map<string, FakeContainer>();
  readonly eventSubscriptions: Array<{ since?: number; filters?: unknown }> = [];
  private streams: PassThrough[] = [];
  images = new Set(['fractal/test-protocol:latest']);
  failStart?: Error;
  down = false;

  asDockerode(): Dockerode {
    return this as unknown as Dockerode;
  }

  async createContainer(
    options: Dockerode.ContainerCreateOptions,
  ): Promise<{ id: string; start: () => Promise<void> }> {
    this.checkUp();
    if (!this.images.has(options.Image ?? '')) throw dockerError(404, `No such image: ${options.Image}`);
    const id = randomBytes(32).toString('hex');
    this.containers.set(id, { id, options, state: 'created' });
    return { id, start: () => this.startContainer(id) };
  }

  getContainer(id: string) {
    return {
      id,
      start: () => this.startContainer(id),
      stop: async () => {
        this.checkUp();
        const c = this.must(id);
        if (c.state !== 'running') throw dockerError(304, 'container already stopped');
        this.kill(id);
      },
      remove: async () => {
        this.checkUp();
        this.must(id);
        if (this.containers.get(id)?.state === 'running') this.kill(id);
        this.containers.delete(id);
        this.emit(id, 'destroy');
      },
    };
  }

  async getEvents(opts: { since?: number; filters?: unknown }): Promise<PassThrough> {
    this.checkUp();
    this.eventSubscriptions.push(opts);
    const stream = new PassThrough();
    this.streams.push(stream);
    stream.on('close', () => (this.streams = this.streams.filter((s) => s !== stream)));
    return stream;
  }

  async listContainers(): Promise<Array<{ Id: string; State: string; Labels: Record<string, string> }>> {
    this.checkUp();
    return [...this.containers.values()].map((c) => ({
      Id: c.id,
      State: c.state,
      Labels: c.options.Labels ?? {},
    }));
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

  private async startContainer(id: string): Promise<void> {
    this.checkUp();
    if (this.failStart) throw this.failStart;
    this.must(id).state = 'running';
  }

  private must(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw dockerError(404, `No such container: ${id}`);
    return c;
  }

  private checkUp(): void {
    if (this.down)
      throw Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' });
  }
}

import type Dockerode from 'dockerode';
import { DockerError } from './docker-engine';
import type { CreateBody, DockerEngine, EventsQuery, ListedContainer } from './docker-engine';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** Maps a dockerode / docker-modem failure to a DockerError: the one place that reads them. */
export function toDockerError(err: unknown, what: string): DockerError {
  if (err instanceof DockerError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    statusCode?: unknown;
    code?: unknown;
    name?: unknown;
    message?: unknown;
  };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const text = `${what}: ${message}`;
  if (e.name === 'AbortError' || e.code === 'ABORT_ERR')
    return new DockerError('ABORTED', text, { cause: err });
  switch (e.statusCode) {
    case 404:
      return new DockerError('NOT_FOUND', text, { cause: err });
    case 409:
      // dockerd answers 409 for "removal already in progress" and name conflicts alike.
      return new DockerError('CONFLICT', text, { cause: err });
    case 304:
      return new DockerError('NOT_MODIFIED', text, { cause: err });
    default:
      break;
  }
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) {
    return new DockerError('UNAVAILABLE', `${text}; is the Docker engine running?`, { cause: err });
  }
  return new DockerError('FAILED', text, { cause: err });
}

/** The DockerEngine on a dockerode client. */
export class DockerodeEngine implements DockerEngine {
  constructor(private readonly docker: Dockerode) {}

  async create(body: CreateBody, signal?: AbortSignal): Promise<string> {
    try {
      const c = await this.docker.createContainer({ ...body, ...(signal ? { abortSignal: signal } : {}) });
      return c.id;
    } catch (err) {
      throw toDockerError(err, `docker create (${body.Image ?? 'no image'})`);
    }
  }

  async start(id: string, signal?: AbortSignal): Promise<void> {
    await this.call(`docker start ${id}`, () =>
      this.docker.getContainer(id).start(signal ? { abortSignal: signal } : {}),
    );
  }

  async stop(id: string, graceSeconds: number, signal?: AbortSignal): Promise<void> {
    await this.call(`docker stop ${id}`, () =>
      this.docker.getContainer(id).stop({ t: graceSeconds, ...(signal ? { abortSignal: signal } : {}) }),
    );
  }

  async remove(id: string, signal?: AbortSignal): Promise<void> {
    await this.call(`docker rm ${id}`, () =>
      this.docker
        .getContainer(id)
        .remove({ force: true, v: true, ...(signal ? { abortSignal: signal } : {}) }),
    );
  }

  async list(labelFilters: readonly string[], signal?: AbortSignal): Promise<ListedContainer[]> {
    const listed = await this.call('docker ps', () =>
      this.docker.listContainers({
        all: true,
        filters: { label: [...labelFilters] },
        ...(signal ? { abortSignal: signal } : {}),
      }),
    );
    return listed.map((c) => ({ id: c.Id, state: c.State, labels: c.Labels ?? {} }));
  }

  async events(query: EventsQuery, signal?: AbortSignal): Promise<NodeJS.ReadableStream> {
    return this.call('docker events', async () => {
      const stream = await this.docker.getEvents({
        since: query.since,
        filters: query.filters,
        ...(signal ? { abortSignal: signal } : {}),
      });
      return stream as NodeJS.ReadableStream;
    });
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toDockerError(err, what);
    }
  }
}

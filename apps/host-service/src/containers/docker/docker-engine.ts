import type Dockerode from 'dockerode';

export type DockerErrorCode =
  'NOT_FOUND' | 'CONFLICT' | 'NOT_MODIFIED' | 'UNAVAILABLE' | 'ABORTED' | 'FAILED';

/** The one error type the Docker boundary throws; nothing past it looks at status codes or text. */
export class DockerError extends Error {
  override readonly name = 'DockerError';
  readonly code: DockerErrorCode;

  constructor(code: DockerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isDockerError(err: unknown, ...codes: DockerErrorCode[]): err is DockerError {
  return err instanceof DockerError && (codes.length === 0 || codes.includes(err.code));
}

export type CreateBody = Dockerode.ContainerCreateOptions;

export interface ListedContainer {
  readonly id: string;
  /** created | running | paused | restarting | removing | exited | dead */
  readonly state: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface EventsQuery {
  /** seconds since the epoch */
  since: number;
  filters: Record<string, string[]>;
}

/**
 * What the host service asks of the Docker engine. Every call takes an AbortSignal, so a
 * timeout cancels the request instead of only no longer waiting for it.
 */
export interface DockerEngine {
  create(body: CreateBody, signal?: AbortSignal): Promise<string>;
  start(id: string, signal?: AbortSignal): Promise<void>;
  /** NOT_MODIFIED when it was not running. */
  stop(id: string, graceSeconds: number, signal?: AbortSignal): Promise<void>;
  /** Force-removes it with its anonymous volumes. */
  remove(id: string, signal?: AbortSignal): Promise<void>;
  list(labelFilters: readonly string[], signal?: AbortSignal): Promise<ListedContainer[]>;
  /** A stream of newline-delimited JSON events. */
  events(query: EventsQuery, signal?: AbortSignal): Promise<NodeJS.ReadableStream>;
}

import type Dockerode from 'dockerode';

export interface EventStreamProbe {
  /** A Dockerode that behaves like `docker` but reports on the event streams opened through it. */
  readonly docker: Dockerode;
  /** Since when no event stream has been open (ms since the epoch), or null while one is. */
  downSince(): number | null;
}

/**
 * Watches the container manager's Docker event subscription from outside: every `getEvents`
 * after the first is a reconnect, and the time between a stream closing and the next one
 * opening is downtime. Everything else passes through to the real Dockerode untouched.
 */
export function probeEventStream(
  docker: Dockerode,
  onReconnect: () => void,
  now: () => number = Date.now,
): EventStreamProbe {
  let opened = 0;
  let open = 0;
  let downSince: number | null = now();
  const getEvents = async (...args: unknown[]): Promise<NodeJS.ReadableStream> => {
    const stream = (await (docker.getEvents as (...a: unknown[]) => Promise<NodeJS.ReadableStream>)(
      ...args,
    )) as NodeJS.ReadableStream;
    opened += 1;
    if (opened > 1) onReconnect();
    open += 1;
    downSince = null;
    let closed = false;
    const onClose = (): void => {
      if (closed) return;
      closed = true;
      open -= 1;
      if (open === 0) downSince = now();
    };
    stream.once('end', onClose);
    stream.once('close', onClose);
    stream.once('error', onClose);
    return stream;
  };
  const proxy = new Proxy(docker, {
    get(target, prop, receiver) {
      if (prop === 'getEvents') return getEvents;
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return { docker: proxy, downSince: () => downSince };
}

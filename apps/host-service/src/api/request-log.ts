import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from '@fractal/logger';
import type { RequestVars } from './middleware';

export const REQUEST_ID_HEADER = 'x-request-id';
// A caller's id goes into our logs: short and plain, or we make our own.
const ACCEPTED_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The peer address of the socket (@hono/node-server passes the Node request as `env.incoming`). */
export function clientAddress(c: Context): string | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress;
}

/**
 * One line per request: its id (the caller's `x-request-id`, or a new one, echoed back in the
 * response header), the client address, method, path, status, time and the container it named.
 * Never bodies: they carry secrets and tokens.
 */
export function requestLog(
  log: Logger,
  onAnswered: (path: string, status: number) => void,
): MiddlewareHandler<{ Variables: RequestVars }> {
  return async (c, next) => {
    const started = performance.now();
    const sent = c.req.header(REQUEST_ID_HEADER);
    const requestId = sent !== undefined && ACCEPTED_ID.test(sent) ? sent : randomUUID();
    c.set('requestId', requestId);
    // Set before the handler builds the response: mutating `c.res.headers` afterwards makes
    // @hono/node-server materialise a full web Response for every request (a third of the API's
    // throughput in bench/api.bench.ts).
    c.header(REQUEST_ID_HEADER, requestId);
    await next();
    onAnswered(c.req.path, c.res.status);
    const fractalId = c.get('fractalId');
    log.info(
      {
        requestId,
        client: clientAddress(c),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
        ...(fractalId === undefined ? {} : { fractalId }),
      },
      'request',
    );
  };
}

import { createAdaptorServer } from '@hono/node-server';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { DEFAULT_API_LIMITS } from '../config/settings';
import type { ConnectionLimits } from './connection-guard';
import { guardConnections } from './connection-guard';
import { listenHint } from '../util/listen-hint';
import { StartupError } from '../util/startup-error';
import { TLS_POLICY } from './tls-policy';

export interface HttpsServerOptions {
  /** The Hono app's fetch. */
  readonly fetch: (request: Request) => Response | Promise<Response>;
  readonly key: string;
  readonly cert: string;
  readonly port: number;
  readonly host: string;
  /** Default DEFAULT_API_LIMITS. */
  readonly limits?: ConnectionLimits;
  /** Told every so often how many connections the limits refused. */
  readonly logger?: { warn(obj: object, msg: string): void };
}

export interface RunningHttpsServer {
  readonly port: number;
  /** The total connection cap in force (the configured one, lowered to the fd budget). */
  readonly maxConnections: number;
  /** Stops accepting, lets requests in flight finish for `graceMs`, then drops what is left. */
  close(graceMs: number): Promise<void>;
}

/** A client that connects and never finishes the handshake holds an fd and TLS state. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
const REFUSED_REPORT_MS = 10_000;

export async function listenHttps(options: HttpsServerOptions): Promise<RunningHttpsServer> {
  const server = createAdaptorServer({
    fetch: options.fetch,
    createServer,
    serverOptions: {
      key: options.key,
      cert: options.cert,
      ...TLS_POLICY,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    },
  }) as Server;
  // Slow or idle clients must not hold sockets (and shutdown) open.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  const limits = options.limits ?? DEFAULT_API_LIMITS;
  const guard = guardConnections(server, limits);
  let reported = 0;
  const report = setInterval(() => {
    const refused = guard.refused();
    if (refused === reported) return;
    options.logger?.warn(
      { refused: refused - reported, effectiveMax: guard.maxConnections, ...limits },
      'HTTPS connections refused over the connection limits',
    );
    reported = refused;
  }, REFUSED_REPORT_MS);
  report.unref();
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void =>
      reject(
        new StartupError(
          'LISTEN_FAILED',
          `cannot listen on https://${options.host}:${options.port}: ${listenHint(err, options.port, 'HOST_SERVICE_PORT', 'HOST_SERVICE_HOST')}`,
          { cause: err },
        ),
      );
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  }).catch((err: unknown) => {
    clearInterval(report);
    throw err;
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    maxConnections: guard.maxConnections,
    close(graceMs: number): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(report);
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

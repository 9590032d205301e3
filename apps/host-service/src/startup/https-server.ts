import { createAdaptorServer } from '@hono/node-server';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { listenHint } from './listen-hint';
import { StartupError } from './startup-error';

export interface HttpsServerOptions {
  /** The Hono app's fetch. */
  readonly fetch: (request: Request) => Response | Promise<Response>;
  readonly key: string;
  readonly cert: string;
  readonly port: number;
  readonly host: string;
}

export interface RunningHttpsServer {
  readonly port: number;
  /** Stops accepting, lets requests in flight finish for `graceMs`, then drops what is left. */
  close(graceMs: number): Promise<void>;
}

export async function listenHttps(options: HttpsServerOptions): Promise<RunningHttpsServer> {
  const server = createAdaptorServer({
    fetch: options.fetch,
    createServer,
    serverOptions: { key: options.key, cert: options.cert },
  }) as Server;
  // Slow or idle clients must not hold sockets (and shutdown) open.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
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
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close(graceMs: number): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
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

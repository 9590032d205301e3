import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StartupError } from '../util/startup-error';
import { listenHint } from '../util/listen-hint';

export interface RunningOpsServer {
  readonly port: number;
  close(graceMs: number): Promise<void>;
}

/** The plain-HTTP ops listener. A bind failure is a StartupError naming the port and the fix. */
export async function listenOps(options: {
  fetch: (request: Request) => Response | Promise<Response>;
  host: string;
  port: number;
}): Promise<RunningOpsServer> {
  const server = createAdaptorServer({ fetch: options.fetch }) as Server;
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void =>
      reject(
        new StartupError(
          'LISTEN_FAILED',
          `cannot listen on http://${options.host}:${options.port} (ops listener): ${listenHint(err, options.port, 'OPS_PORT', 'OPS_HOST')}`,
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
    close(graceMs) {
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

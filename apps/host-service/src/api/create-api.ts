import { Hono } from 'hono';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '@fractal/logger';
import type { AppEnvName } from '../config/host-service-config';
import { HostServiceError } from '../containers';
import { ApiError, errorBody } from './api-error';
import { exactPath } from './exact-path';
import type { RequestVars } from './middleware';
import { requestLog } from './request-log';
import type { ApiDrain, ApiManager } from './routes';
import { configTokenRoutes, drainHostRoutes, spinUpRoutes, startValuesRoutes } from './routes';

export const MAX_BODY_BYTES = 64 * 1024;

/** The paths the API serves; anything else is counted as `other` in the request metric. */
export const API_ROUTES = new Set([
  '/set_container_start_values',
  '/set_config_encryption_token',
  '/spin_up_container',
  '/drain_host',
]);

export interface ApiDeps {
  manager: ApiManager;
  appEnv: AppEnvName;
  webserverAuthSecret: string;
  logger: Logger;
  /** The host's drain switch; without one there is no `/drain_host` and spin-ups are never refused. */
  drain?: ApiDrain;
  /** Told about every answered request and every spin-up (the metrics). */
  observer?: {
    apiRequest(route: string, status: number): void;
    spinUpObserved(seconds: number): void;
  };
}

/**
 * The HTTPS API of the wire contract (docs/wire-contract.md). Building it never listens; serve `app.fetch`.
 * Every failure becomes a status in `onError`, the one place that knows about HTTP.
 */
export function createApi(deps: ApiDeps): Hono {
  if (deps.webserverAuthSecret.length === 0)
    throw new Error('createApi: webserverAuthSecret must not be empty');
  const log = deps.logger.child({ component: 'api' });
  const app = new Hono<{ Variables: RequestVars }>();
  const observer = deps.observer;
  app.use('*', exactPath);

  app.use(
    '*',
    requestLog(log, (path, status) => observer?.apiRequest(API_ROUTES.has(path) ? path : 'other', status)),
  );
  const tooLarge = (c: Context): Response =>
    c.json(errorBody('BODY_TOO_LARGE', `the body is larger than ${MAX_BODY_BYTES} bytes`), 413);
  const streamingLimit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });
  // With a Content-Length (what every caller sends) the header decides; hono's bodyLimit would
  // materialise a full web Request per call. Without one (chunked), bodyLimit counts the bytes.
  app.use('*', async (c, next) => {
    const length = c.req.header('content-length');
    if (length === undefined) return streamingLimit(c, next);
    if (Number(length) > MAX_BODY_BYTES) return tooLarge(c);
    await next();
  });

  app.route('/set_container_start_values', startValuesRoutes(deps.manager, deps.webserverAuthSecret));
  app.route('/set_config_encryption_token', configTokenRoutes(deps.manager));
  if (deps.appEnv === 'localdev') {
    app.route(
      '/spin_up_container',
      spinUpRoutes(deps.manager, deps.webserverAuthSecret, deps.drain, (s) => observer?.spinUpObserved(s)),
    );
  }
  if (deps.drain) app.route('/drain_host', drainHostRoutes(deps.drain, deps.webserverAuthSecret));

  app.notFound((c) => c.json(errorBody('NOT_FOUND', `unknown path ${c.req.path}`), 404));
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(errorBody(err.code, err.message), err.status);
    const ids = { requestId: c.get('requestId'), fractalId: c.get('fractalId'), path: c.req.path };
    if (err instanceof HostServiceError) {
      log.warn({ ...ids, code: err.code, error: err.message }, 'request not carried out');
      return c.json(errorBody(err.code, err.message), 406);
    }
    log.error({ ...ids, err }, 'request failed unexpectedly');
    return c.json(errorBody('INTERNAL', 'internal error; see the host service log'), 500);
  });
  return app as unknown as Hono;
}

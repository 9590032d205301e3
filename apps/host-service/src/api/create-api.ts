import { Hono } from 'hono';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv, Logger } from '@fractal/logger';
import { HostServiceError } from '../containers';
import { ApiError } from './api-error';
import { exactPath } from './exact-path';
import type { ApiManager } from './routes';
import { configTokenRoutes, spinUpRoutes, startValuesRoutes } from './routes';

export const MAX_BODY_BYTES = 64 * 1024;

export interface ApiDeps {
  manager: ApiManager;
  appEnv: AppEnv;
  webserverAuthSecret: string;
  logger: Logger;
}

/**
 * The HTTPS API of DESIGN.md's wire contract. Building it never listens; serve `app.fetch`.
 * Every failure becomes a status in `onError`, the one place that knows about HTTP.
 */
export function createApi(deps: ApiDeps): Hono {
  if (deps.webserverAuthSecret.length === 0)
    throw new Error('createApi: webserverAuthSecret must not be empty');
  const log = deps.logger.child({ component: 'api' });
  const app = new Hono();
  app.use('*', exactPath);

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    // Method, path and status only: bodies carry secrets and tokens.
    log.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });
  const tooLarge = (c: Context): Response =>
    c.json({ result: '', error: `the body is larger than ${MAX_BODY_BYTES} bytes` }, 413);
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
    app.route('/spin_up_container', spinUpRoutes(deps.manager, deps.webserverAuthSecret));
  }

  app.notFound((c) => c.json({ result: '', error: `unknown path ${c.req.path}` }, 404));
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json({ result: '', error: err.message }, err.status);
    if (err instanceof HostServiceError) {
      log.warn({ code: err.code, path: c.req.path, error: err.message }, 'request not carried out');
      return c.json({ result: '', error: err.message }, 406);
    }
    log.error({ err, path: c.req.path }, 'request failed unexpectedly');
    return c.json({ result: '', error: 'internal error; see the host service log' }, 500);
  });
  return app;
}

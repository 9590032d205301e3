import { createMiddleware } from 'hono/factory';
import type { z } from 'zod';
import { secretsEqual } from '../containers';
import { ApiError } from './api-error';

export interface BodyEnv<T> {
  Variables: { body: Record<string, unknown>; input: T } & RequestVars;
}

/** Set by the request-log middleware and the routes, read when the request line is written. */
export interface RequestVars {
  requestId: string;
  /** The container the request named, once known. */
  fractalId?: string;
}

/** Only PUT with a JSON object body; anything else is a 400 before auth or validation. */
export const jsonObjectBody = createMiddleware<BodyEnv<unknown>>(async (c, next) => {
  if (c.req.method !== 'PUT')
    throw new ApiError(400, 'WRONG_METHOD', `${c.req.method} is not allowed on ${c.req.path}; use PUT`);
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw new ApiError(400, 'INVALID_JSON', 'the body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiError(400, 'INVALID_BODY', 'the body must be a JSON object');
  c.set('body', body as Record<string, unknown>);
  await next();
});

/** `auth_secret` must equal the webserver secret: length first, then a constant-time compare. */
export function requireAuthSecret(secret: string) {
  return createMiddleware<BodyEnv<unknown>>(async (c, next) => {
    const given = c.get('body').auth_secret;
    if (typeof given !== 'string' || !secretsEqual(given, secret)) {
      throw new ApiError(401, 'UNAUTHORIZED', 'missing or wrong auth_secret');
    }
    await next();
  });
}

export function validateBody<S extends z.ZodType>(schema: S) {
  return createMiddleware<BodyEnv<z.infer<S>>>(async (c, next) => {
    const parsed = schema.safeParse(c.get('body'));
    if (!parsed.success) {
      // Issue paths and messages only: never echo the values, they may be secrets.
      const why = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
      throw new ApiError(400, 'INVALID_BODY', `invalid request: ${why}`);
    }
    c.set('input', parsed.data);
    await next();
  });
}

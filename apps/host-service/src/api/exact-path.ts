import type { IncomingMessage } from 'node:http';
import { createMiddleware } from 'hono/factory';

const SHOWN_CHARS = 64;

/** A short prefix of an untrusted value, safe to echo: printable ASCII kept, the rest escaped. */
export function escapedPrefix(value: string, max = SHOWN_CHARS): string {
  const chars = Array.from(value.slice(0, max));
  const shown = chars
    .map((ch) => {
      const cp = ch.codePointAt(0) ?? 0;
      if (cp >= 0x20 && cp < 0x7f && ch !== '\\' && ch !== '"') return ch;
      return `\\u{${cp.toString(16)}}`;
    })
    .join('');
  return value.length > max ? `${shown}... (${value.length} chars)` : shown;
}

/**
 * Routes see the request target exactly as sent. The URL parser under Hono resolves dot segments
 * (`/x/../`, `/./`, `%2e%2e`) and percent-decodes, and the node adapter accepts absolute-form
 * targets (`https://evil/path`): any target whose path is not already in that final form is 404,
 * so no spelling reaches a route the plain path would not.
 */
export const exactPath = createMiddleware<{ Bindings: { incoming?: IncomingMessage } }>(async (c, next) => {
  const target = c.env?.incoming?.url;
  // Without the node request (app.request() in unit tests) there is no raw target to compare.
  if (target !== undefined) {
    const query = target.indexOf('?');
    const rawPath = query === -1 ? target : target.slice(0, query);
    if (!rawPath.startsWith('/') || rawPath !== c.req.path) {
      return c.json({ result: '', error: `unknown path "${escapedPrefix(rawPath)}"` }, 404);
    }
  }
  return next();
});

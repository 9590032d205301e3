import { isAbsolute, normalize, relative } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

/** Where a parser reports a bad value. */
export interface IssueSink {
  /** The setting's name, for messages. */
  readonly name: string;
  /** Records a problem; parsing goes on, so every problem is reported at once. */
  issue(message: string): void;
}

/** What a setting's parse is given besides its raw value. */
export interface SettingContext<V> extends IssueSink {
  /** The parsed value of a setting above this one in the table (throws for one below). */
  value<K extends keyof V & string>(name: K): V[K];
  /** Another variable's raw value, trimmed; undefined when unset or empty. */
  env(name: string): string | undefined;
}

/** Reads one setting: `raw` is the trimmed variable, undefined when it is unset or empty. */
export type Parse<T, V> = (raw: string | undefined, ctx: SettingContext<V>) => T;

/** A parser with a fixed default, and that default as `--help` shows it. */
export interface Kind<T> {
  readonly defaultText: string;
  readonly parse: (raw: string | undefined, ctx: IssueSink) => T;
}

/** The fields of a table row that the readers need (see settings.ts). */
export interface ParsedRow {
  readonly name: string;
  readonly readBy: string;
  readonly parse?: Parse<unknown, never>;
}

/**
 * Runs the parse of every row of `rows` read by `readBy`, in table order: a later row may read an
 * earlier row's value. An empty variable counts as unset, as in most shells' `VAR= cmd` idiom.
 */
export function readSettings<V>(
  rows: readonly ParsedRow[],
  readBy: string,
  env: Env,
): { readonly values: V; readonly issues: readonly string[] } {
  const issues: string[] = [];
  const values = new Map<string, unknown>();
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  for (const row of rows) {
    if (row.readBy !== readBy || row.parse === undefined) continue;
    const ctx: SettingContext<Record<string, unknown>> = {
      name: row.name,
      issue: (message) => issues.push(message),
      value: (name) => {
        if (!values.has(name)) throw new Error(`setting ${row.name} reads ${name}, which is not above it`);
        return values.get(name);
      },
      env: get,
    };
    values.set(row.name, (row.parse as Parse<unknown, Record<string, unknown>>)(get(row.name), ctx));
  }
  return { values: Object.fromEntries(values) as V, issues };
}

export function oneOf<T extends string>(
  raw: string | undefined,
  ctx: IssueSink,
  allowed: readonly T[],
  fallback: T,
): T {
  if (raw === undefined) return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  ctx.issue(`${ctx.name} must be one of ${allowed.join(', ')} (got "${raw}")`);
  return fallback;
}

export function int(
  raw: string | undefined,
  ctx: IssueSink,
  min: number,
  max: number,
  fallback: number,
): number {
  if (raw === undefined) return fallback;
  if (/^\d+$/.test(raw) && Number(raw) >= min && Number(raw) <= max) return Number(raw);
  ctx.issue(`${ctx.name} must be an integer in ${min}..${max} (got "${raw}")`);
  return fallback;
}

export function bool(raw: string | undefined, ctx: IssueSink, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (['true', '1'].includes(raw.toLowerCase())) return true;
  if (['false', '0'].includes(raw.toLowerCase())) return false;
  ctx.issue(`${ctx.name} must be true or false (got "${raw}")`);
  return fallback;
}

export function onOff(raw: string | undefined, ctx: IssueSink, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (raw === 'on' || raw === 'off') return raw === 'on';
  ctx.issue(`${ctx.name} must be on or off (got "${raw}")`);
  return fallback;
}

/** An absolute path, normalized and without a trailing slash; never `/` itself. */
export function absPath<F extends string | undefined>(
  raw: string | undefined,
  ctx: IssueSink,
  fallback: F,
): string | F {
  if (raw === undefined) return fallback;
  if (!isAbsolute(raw) || raw.includes('\0')) {
    ctx.issue(`${ctx.name} must be an absolute path (got "${raw}")`);
    return fallback;
  }
  const p = normalize(raw).replace(/\/+$/, '');
  if (p === '') ctx.issue(`${ctx.name} must not be the root directory /`);
  return p === '' ? fallback : p;
}

export function absPathList(raw: string | undefined, ctx: IssueSink): string[] {
  if (raw === undefined) return [];
  return raw
    .split(':')
    .filter((p) => p !== '')
    .flatMap((p) => {
      if (isAbsolute(p) && !p.includes('\0')) return [normalize(p).replace(/(.)\/+$/, '$1')];
      ctx.issue(`${ctx.name} must be a colon-separated list of absolute dirs (got "${p}")`);
      return [];
    });
}

/** An http(s) URL without a trailing slash. */
export function url<F extends string | undefined>(
  raw: string | undefined,
  ctx: IssueSink,
  fallback: F,
): string | F {
  if (raw === undefined) return fallback;
  try {
    const u = new URL(raw);
    if (u.protocol === 'http:' || u.protocol === 'https:') return raw.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  ctx.issue(`${ctx.name} must be an http:// or https:// URL (got "${raw}")`);
  return fallback;
}

/** Kinds with a fixed default: the default `--help` shows is the one the parser returns. */
export const kinds = {
  integer: (min: number, max: number, fallback: number): Kind<number> => ({
    defaultText: String(fallback),
    parse: (raw, ctx) => int(raw, ctx, min, max, fallback),
  }),
  absolutePath: (fallback: string): Kind<string> => ({
    defaultText: fallback,
    parse: (raw, ctx) => absPath(raw, ctx, fallback),
  }),
  httpUrl: (fallback: string): Kind<string> => ({
    defaultText: fallback,
    parse: (raw, ctx) => url(raw, ctx, fallback),
  }),
  text: (fallback: string): Kind<string> => ({ defaultText: fallback, parse: (raw) => raw ?? fallback }),
};

/** Whether one of two dirs contains the other (or they are the same). */
export function overlaps(a: string, b: string): boolean {
  const inside = (child: string, parent: string): boolean => {
    const r = relative(parent, child);
    return r === '' || (!r.startsWith('..') && !isAbsolute(r));
  };
  return inside(a, b) || inside(b, a);
}

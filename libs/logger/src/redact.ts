/** Keys whose values never leave the process. Matching ignores case, `_` and `-`. */
export const SECRET_KEYS: readonly string[] = Object.freeze([
  'auth_secret',
  'config_encryption_token',
  'client_app_auth_secret',
  'AuthToken',
  'authorization',
  'password',
]);

export const REDACTED = '[REDACTED]';

const normalize = (key: string): string => key.toLowerCase().replace(/[-_]/g, '');
const normalizedSecrets = new Set(SECRET_KEYS.map(normalize));

// Log keys repeat endlessly, so a bounded memo saves the lower-casing on the hot path. It holds
// only derived booleans, so sharing it between logger instances is safe.
const keyMemo = new Map<string, boolean>();
const KEY_MEMO_LIMIT = 10_000;

export function isSecretKey(key: string): boolean {
  let secret = keyMemo.get(key);
  if (secret === undefined) {
    secret = normalizedSecrets.has(normalize(key));
    if (keyMemo.size < KEY_MEMO_LIMIT) keyMemo.set(key, secret);
  }
  return secret;
}

// The allocation-free scan stops here and hands over to the copying walk, which is cycle-safe.
const SCAN_DEPTH = 8;
// Deeper than this a value is replaced, so a pathological structure cannot overflow the stack.
const MAX_DEPTH = 200;

type Bag = Record<string, unknown>;

/** Stands in for a value that throws when read (a getter, a toJSON, a revoked proxy). */
const UNREADABLE = '[Unreadable]';

function read(bag: Bag, key: string): unknown {
  try {
    return bag[key];
  } catch {
    return UNREADABLE;
  }
}

function isOpaque(value: object): boolean {
  return (
    value instanceof Date ||
    value instanceof RegExp ||
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    value instanceof Map ||
    value instanceof Set ||
    value instanceof Promise
  );
}

function hasToJson(value: object): boolean {
  return !(value instanceof Error) && typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/** True when `value` holds a secret key, or is too deep or odd to tell without the copying walk. */
function needsCopy(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth >= SCAN_DEPTH) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (needsCopy(value[i], depth + 1)) return true;
    return false;
  }
  if (isOpaque(value)) return false;
  if (hasToJson(value)) return true;
  const bag = value as Bag;
  for (const key in bag) {
    if (!Object.prototype.hasOwnProperty.call(bag, key)) continue;
    if (isSecretKey(key) && bag[key] != null) return true;
    if (needsCopy(bag[key], depth + 1)) return true;
  }
  return value instanceof Error && needsCopy(value.cause, depth + 1);
}

function define(target: object, key: string, value: unknown, enumerable: boolean): void {
  Object.defineProperty(target, key, { value, enumerable, writable: true, configurable: true });
}

// A log call must never throw into its caller (it usually sits in a catch block already).
function copy(value: unknown, depth: number, seen: Map<object, unknown>): unknown {
  try {
    return copyValue(value, depth, seen);
  } catch {
    return UNREADABLE;
  }
}

function copyValue(value: unknown, depth: number, seen: Map<object, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  const prior = seen.get(value);
  if (prior !== undefined) return prior;
  if (depth > MAX_DEPTH) return '[Truncated]';
  if (isOpaque(value)) return value;
  if (hasToJson(value)) {
    const json: unknown = (value as { toJSON(): unknown }).toJSON();
    seen.set(value, json);
    // One level deeper per toJSON, so a toJSON returning a fresh object with a toJSON ends too.
    return json === value ? json : copy(json, depth + 1, seen);
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value) out.push(copy(item, depth + 1, seen));
    return out;
  }
  // Keeping the prototype keeps `instanceof Error` true, so pino's and Sentry's error handling
  // still see an error after redaction.
  const out = Object.create(Object.getPrototypeOf(value) as object | null) as Bag;
  seen.set(value, out);
  const bag = value as Bag;
  for (const key of Object.keys(bag)) {
    const item = read(bag, key);
    define(out, key, isSecretKey(key) && item != null ? REDACTED : copy(item, depth + 1, seen), true);
  }
  if (value instanceof Error) {
    // Error's own fields are not enumerable, so Object.keys skipped them.
    for (const key of ['name', 'message', 'stack', 'cause'] as const) {
      const own = Object.prototype.hasOwnProperty.call(value, key);
      if (own && !Object.prototype.propertyIsEnumerable.call(value, key)) {
        define(out, key, copy(read(value as unknown as Bag, key), depth + 1, seen), false);
      }
    }
  }
  return out;
}

/**
 * A deep copy of `value` with the value of every secret key (see SECRET_KEYS; any depth, any case)
 * replaced by '[REDACTED]'. Null and undefined secrets stay as they are. Errors stay errors,
 * cycles are kept, objects with `toJSON` are redacted in their JSON form, and what throws when read
 * becomes '[Unreadable]'. Never throws. Returns `value` itself when it holds nothing to redact.
 */
export function redactSecrets<T>(value: T): T {
  let clean: boolean;
  try {
    clean = !needsCopy(value, 0);
  } catch {
    clean = false; // the copying walk replaces what cannot be read
  }
  if (clean) return value;
  return copy(value, 0, new Map()) as T;
}

import type { LoggerError } from './errors';

export type LogFields = Record<string, unknown>;

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** One overloaded log method, pino-compatible: fields (or an Error) first, message second. */
export interface LogMethod {
  (obj: LogFields | Error, msg?: string): void;
  (msg: string): void;
}

export interface Logger {
  trace: LogMethod;
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  fatal: LogMethod;
  /** A logger whose lines all carry `bindings` (e.g. `{ fractalID, dockerID, app }`), redacted. */
  child(bindings: LogFields): Logger;
  isLevelEnabled(level: LogLevel): boolean;
}

export type AppEnv = 'localdev' | 'development' | 'staging' | 'production';

export interface LogzioOptions {
  token: string;
  /** Default https://listener.logz.io:8071. */
  listenerUrl?: string;
  /** Log type field logz.io indexes by; default 'fractal-host-service'. */
  type?: string;
  /** How often buffered lines are sent; default 5000 ms. */
  sendIntervalMs?: number;
  /** Lines per bulk; a full buffer is sent at once; default 100. */
  bufferSize?: number;
  /** Per-request timeout; default 10000 ms. */
  requestTimeoutMs?: number;
  /** Attempts per bulk on network errors, including the first; default 3. */
  attempts?: number;
}

export interface FractalLoggerOptions {
  appEnv: AppEnv;
  /** A LogLevel name, checked at start; default 'info' ('debug' in localdev). */
  level?: string;
  /** If undefined: on for development/staging/production, off for localdev (the seed's rule). */
  useProdLogging?: boolean;
  /** Sentry only when prod logging is on AND a DSN is given. */
  sentryDsn?: string;
  /** Git commit, reported to Sentry as the release. */
  release?: string;
  /** Shipping to logz.io only when prod logging is on AND a token is given. */
  logzio?: LogzioOptions;
  /** Default stdout. */
  destination?: NodeJS.WritableStream;
  /** Human-readable lines; default on in localdev when the destination is stdout and a TTY. */
  pretty?: boolean;
  /** Failures of background work (shipping, flush deadlines); default: a warn line to the destination. */
  onInternalError?: (err: LoggerError) => void;
}

export interface FractalLogger extends Logger {
  /** A child that keeps captureError; its bindings go to Sentry as context. */
  child(bindings: LogFields): FractalLogger;
  /** Sentry tags added later (instance facts); later values win. */
  setTags(tags: Record<string, string>): void;
  /** Logs `err` at error level and sends it to Sentry when Sentry is enabled. */
  captureError(err: unknown, context?: LogFields): void;
  /** Waits until Sentry and the shipper have sent what they hold, at most `timeoutMs` (default 5000). */
  flush(timeoutMs?: number): Promise<void>;
  /** Run-once: drains Sentry and the shipper within `timeoutMs` (default 5000), then stops them. */
  shutdown(timeoutMs?: number): Promise<void>;
}

import { LoggerError } from './errors';
import type { AppEnv, FractalLoggerOptions, LogLevel, LogzioOptions } from './types';

/** Fractal's environments, the one list every service (and the host service's APP_ENV) uses. */
export const APP_ENVS: readonly AppEnv[] = ['localdev', 'development', 'staging', 'production'];
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
export const DEFAULT_LISTENER_URL = 'https://listener.logz.io:8071';

/** The seed's rule: USE_PROD_LOGGING when set, else on everywhere but localdev. */
export function shouldUseProdLogging(appEnv: AppEnv, useProdLogging?: boolean): boolean {
  return useProdLogging ?? appEnv !== 'localdev';
}

export interface ResolvedLogzio {
  token: string;
  listener: URL;
  type: string;
  sendIntervalMs: number;
  bufferSize: number;
  requestTimeoutMs: number;
  attempts: number;
}

export interface ResolvedOptions {
  appEnv: AppEnv;
  level: LogLevel;
  prodLogging: boolean;
  sentryDsn: string | undefined;
  release: string | undefined;
  logzio: ResolvedLogzio | undefined;
}

function invalid(what: string): LoggerError {
  return new LoggerError('INVALID_OPTIONS', `createLogger: ${what}`);
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw invalid(`logzio.${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function parseHttpUrl(name: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new LoggerError(
      'INVALID_OPTIONS',
      `createLogger: ${name} is not a URL; pass e.g. ${DEFAULT_LISTENER_URL}`,
      { cause },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(`${name} must be http(s), got ${url.protocol}`);
  }
  return url;
}

function checkDsn(dsn: string): void {
  // Only the shape is checked; the secret-free public key is the URL's user part.
  const url = parseHttpUrl('sentryDsn', dsn);
  const projectId = url.pathname.split('/').filter(Boolean).pop();
  if (!url.username || !projectId) {
    throw invalid('sentryDsn must look like https://<publicKey>@<host>/<projectId>');
  }
}

function resolveLogzio(raw: LogzioOptions | undefined): ResolvedLogzio | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw.token !== 'string' || raw.token.trim() === '') {
    throw invalid('logzio.token must be a non-empty string; leave logzio out to disable shipping');
  }
  return {
    token: raw.token,
    listener: parseHttpUrl('logzio.listenerUrl', raw.listenerUrl ?? DEFAULT_LISTENER_URL),
    type: raw.type ?? 'fractal-host-service',
    sendIntervalMs: positiveInt('sendIntervalMs', raw.sendIntervalMs, 5_000),
    bufferSize: positiveInt('bufferSize', raw.bufferSize, 100),
    requestTimeoutMs: positiveInt('requestTimeoutMs', raw.requestTimeoutMs, 10_000),
    attempts: positiveInt('attempts', raw.attempts, 3),
  };
}

/** Checks every option and fills in the defaults; throws LoggerError('INVALID_OPTIONS'). */
export function resolveOptions(options: FractalLoggerOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw invalid('options object is required');
  const { appEnv } = options;
  if (!APP_ENVS.includes(appEnv)) {
    throw invalid(`appEnv must be one of ${APP_ENVS.join(', ')}, got ${JSON.stringify(appEnv)}`);
  }
  const level = options.level ?? (appEnv === 'localdev' ? 'debug' : 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw invalid(`level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  }
  if (options.useProdLogging !== undefined && typeof options.useProdLogging !== 'boolean') {
    throw invalid('useProdLogging must be a boolean or undefined');
  }
  const sentryDsn = options.sentryDsn === '' ? undefined : options.sentryDsn;
  if (sentryDsn !== undefined) checkDsn(sentryDsn);
  const destination = options.destination as unknown;
  if (destination !== undefined && typeof (destination as { write?: unknown })?.write !== 'function') {
    throw invalid('destination must be a writable stream');
  }
  return {
    appEnv,
    level: level as LogLevel,
    prodLogging: shouldUseProdLogging(appEnv, options.useProdLogging),
    sentryDsn,
    release: options.release === '' ? undefined : options.release,
    logzio: resolveLogzio(options.logzio),
  };
}

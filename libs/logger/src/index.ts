export { createLogger } from './create-logger';
export { LoggerError } from './errors';
export type { LoggerErrorCode } from './errors';
export { APP_ENVS, shouldUseProdLogging } from './options';
export { REDACTED, SECRET_KEYS, isSecretKey, redactSecrets } from './redact';
export type {
  AppEnv,
  CaptureOptions,
  FractalLogger,
  FractalLoggerOptions,
  LogFields,
  LogLevel,
  LogMethod,
  Logger,
  LogzioOptions,
} from './types';

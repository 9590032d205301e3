export type LoggerErrorCode = 'INVALID_OPTIONS' | 'SHIP_FAILED' | 'FLUSH_TIMEOUT';

/** The one error type of @fractal/logger; `code` says which kind of failure it is. */
export class LoggerError extends Error {
  override readonly name = 'LoggerError';
  readonly code: LoggerErrorCode;

  constructor(code: LoggerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

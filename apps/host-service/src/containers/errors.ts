export type HostServiceErrorCode =
  | 'UNKNOWN_HOST_PORT'
  | 'ALREADY_SET'
  | 'INVALID_MOUNT'
  | 'INVALID_REQUEST'
  | 'SPIN_UP_FAILED'
  | 'SHUTTING_DOWN'
  | 'TOKEN_REFUSED';

/** Failures of a request that was understood but could not be carried out (the API answers 406). */
export class HostServiceError extends Error {
  override readonly name = 'HostServiceError';
  readonly code: HostServiceErrorCode;

  constructor(code: HostServiceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

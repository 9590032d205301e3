/** Machine-readable reasons for the refusals the API itself makes (before the containers). */
export type ApiErrorCode =
  | 'WRONG_METHOD'
  | 'INVALID_JSON'
  | 'INVALID_BODY'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'BODY_TOO_LARGE'
  | 'DRAINING';

/** A request the API refuses before it reaches the containers (bad body, auth, size, drain). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: 400 | 401 | 404 | 406 | 413,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Every error body: the contract's `result` and `error`, plus a `code` a program can switch on. */
export interface ErrorBody {
  result: '';
  error: string;
  code: string;
}

export function errorBody(code: string, error: string): ErrorBody {
  return { result: '', error, code };
}

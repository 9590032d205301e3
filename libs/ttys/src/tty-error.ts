export type TtyErrorCode = 'TTYS_EXHAUSTED' | 'NOT_HELD' | 'INVALID_OPTIONS' | 'INVALID_OWNER';

export interface TtyErrorDetails {
  readonly tty?: number;
  /** The owner (container FractalID) the failed call was made for. */
  readonly owner?: string;
  readonly cause?: unknown;
}

export class TtyError extends Error {
  override readonly name = 'TtyError';
  readonly code: TtyErrorCode;
  readonly tty?: number;
  readonly owner?: string;

  constructor(code: TtyErrorCode, message: string, details: TtyErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    if (details.tty !== undefined) this.tty = details.tty;
    if (details.owner !== undefined) this.owner = details.owner;
  }
}

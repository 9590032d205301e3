import type { Protocol } from './protocol';

export type PortBindingErrorCode =
  | 'PORTS_EXHAUSTED'
  | 'PORT_OUT_OF_RANGE'
  | 'PORT_RESERVED'
  | 'PORT_IN_USE'
  | 'INVALID_PROTOCOL'
  | 'INVALID_BINDING'
  | 'NOT_HELD'
  | 'INVALID_OPTIONS';

export interface PortBindingErrorDetails {
  /** The host port the error is about, when there is one. */
  readonly port?: number;
  readonly protocol?: Protocol;
  /** The owner (container FractalID) the failed call was made for. */
  readonly owner?: string;
  readonly cause?: unknown;
}

export class PortBindingError extends Error {
  override readonly name = 'PortBindingError';
  readonly code: PortBindingErrorCode;
  readonly port?: number;
  readonly protocol?: Protocol;
  readonly owner?: string;

  constructor(code: PortBindingErrorCode, message: string, details: PortBindingErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    if (details.port !== undefined) this.port = details.port;
    if (details.protocol !== undefined) this.protocol = details.protocol;
    if (details.owner !== undefined) this.owner = details.owner;
  }
}

export type EcsBridgeErrorCode =
  | 'INVALID_OPTIONS'
  | 'INVALID_CONFIG'
  | 'CREATE_HOOK'
  | 'SOCKET_IN_USE'
  | 'SOCKET_PATH_TAKEN'
  | 'AGENT_IMAGE_MISSING'
  | 'AGENT_START_FAILED'
  | 'SHUT_DOWN';

export interface EcsBridgeErrorDetails {
  readonly cause?: unknown;
}

/** Base class of every error this library throws. */
export class EcsBridgeError extends Error {
  override readonly name: string = 'EcsBridgeError';
  readonly code: EcsBridgeErrorCode;

  constructor(code: EcsBridgeErrorCode, message: string, details: EcsBridgeErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
  }
}

/** A line of an ecs.config file that is not `KEY=VALUE`. */
export class EcsConfigError extends EcsBridgeError {
  override readonly name = 'EcsConfigError';
  /** 1-based line number of the offending line. */
  readonly line: number;

  constructor(line: number, message: string) {
    super('INVALID_CONFIG', message);
    this.line = line;
  }
}

/**
 * Thrown by a {@link ContainerCreateHook} to refuse a create: the interposer answers the Docker
 * client with `statusCode` and a Docker-style `{"message": message}` body.
 */
export class CreateHookError extends EcsBridgeError {
  override readonly name = 'CreateHookError';
  readonly statusCode: number;

  constructor(statusCode: number, message: string, details: EcsBridgeErrorDetails = {}) {
    super('CREATE_HOOK', message, details);
    this.statusCode =
      Number.isInteger(statusCode) && statusCode >= 400 && statusCode <= 599 ? statusCode : 500;
  }
}

/** The message of an Error, or the thrown value as a string (internal: the lib stays standalone). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

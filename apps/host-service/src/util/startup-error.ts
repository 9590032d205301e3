import { errorMessage } from './error-message';

/**
 * The error of a failed start: config/, startup/, ops/ and metadata/ throw it, main.ts prints
 * startupErrorLine. A leaf module, so that none of them imports another for it.
 */

/** Why the daemon could not start (or could not finish an orderly start-up step). */
export type StartupErrorCode =
  | 'INVALID_CONFIG'
  | 'NOT_ROOT'
  | 'ALREADY_RUNNING'
  | 'FRACTAL_DIR_EXISTS'
  | 'DIR_SETUP_FAILED'
  | 'SHARED_MOUNT_FAILED'
  | 'TLS_FAILED'
  | 'DOCKER_UNAVAILABLE'
  | 'IMDS_UNAVAILABLE'
  | 'HANDSHAKE_FAILED'
  | 'ECS_CONFIG_INVALID'
  | 'LISTEN_FAILED';

export class StartupError extends Error {
  override readonly name: string = 'StartupError';
  readonly code: StartupErrorCode;

  constructor(code: StartupErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The one human line for stderr when start-up fails; StartupErrors carry their own hint. */
export function startupErrorLine(err: unknown): string {
  if (err instanceof StartupError) return `host-service: ${err.message}`;
  const why = errorMessage(err);
  return `host-service: start-up failed unexpectedly: ${why}; the fatal JSON line on stdout has the stack — please report it`;
}

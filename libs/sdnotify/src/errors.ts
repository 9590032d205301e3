import { constants as osConstants } from 'node:os';

export type SdNotifyErrorCode = 'BAD_ADDRESS' | 'BAD_STATE' | 'SYSCALL_FAILED' | 'CLOSED';

/** Base class of every error this library throws (or hands to `onError`). */
export class SdNotifyError extends Error {
  readonly code: SdNotifyErrorCode;

  constructor(code: SdNotifyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** socket(2), sendto(2), bind(2) or recv(2) failed; names the call, the errno and the address. */
export class SdNotifySyscallError extends SdNotifyError {
  readonly call: string;
  readonly errno: number;
  readonly errnoName: string;
  readonly address: string;

  constructor(call: string, errno: number, address: string) {
    const name = errnoName(errno);
    const hint =
      name === 'ECONNREFUSED' || name === 'ENOENT'
        ? '; nothing listens there (is the service manager gone, or NOTIFY_SOCKET stale?)'
        : '';
    super('SYSCALL_FAILED', `${call} on notify socket ${address} failed: ${name} (errno ${errno})${hint}`);
    this.call = call;
    this.errno = errno;
    this.errnoName = name;
    this.address = address;
  }
}

/** Linux errno number -> symbolic name ('ECONNREFUSED'); `E<n>` when unknown. */
export function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(osConstants.errno)) {
    if (value === errno) return name;
  }
  return `E${errno}`;
}

import { constants as osConstants } from 'node:os';

export type UinputErrorCode =
  | 'UINPUT_UNAVAILABLE'
  | 'SYSCALL_FAILED'
  | 'INVALID_ARGUMENT'
  | 'UNSUPPORTED_EVENT'
  | 'DEVICE_CLOSED'
  | 'DEVICE_NODE_NOT_FOUND'
  | 'SOCKET_PATH_IN_USE'
  | 'SOCKET_FAILED'
  | 'ABORTED';

/** Base class of every error this library throws. */
export class UinputError extends Error {
  readonly code: UinputErrorCode;

  constructor(code: UinputErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** `/dev/uinput` is missing or not writable. */
export class UinputUnavailableError extends UinputError {
  readonly path: string;
  readonly errno: number;
  readonly errnoName: string;

  constructor(path: string, errno: number, options?: { cause?: unknown }) {
    const name = errnoName(errno);
    super(
      'UINPUT_UNAVAILABLE',
      `cannot open ${path} for writing (${name}): virtual input devices are unavailable; ` +
        'load the `uinput` kernel module (modprobe uinput) and run as root',
      options,
    );
    this.path = path;
    this.errno = errno;
    this.errnoName = name;
  }
}

export interface SyscallErrorDetails {
  /** The call and its request, e.g. `ioctl(UI_SET_EVBIT)`. */
  call: string;
  errno: number;
  /** The path the fd was opened from (`/dev/uinput`), or the socket path. */
  device?: string;
  /** The uinput device's name, when the call was made for one. */
  deviceName?: string;
  cause?: unknown;
}

/** A system call failed; names the call, the errno and the device it was made for. */
export class UinputSyscallError extends UinputError {
  readonly call: string;
  readonly errno: number;
  readonly errnoName: string;
  readonly device?: string;
  readonly deviceName?: string;

  constructor(details: SyscallErrorDetails) {
    const name = errnoName(details.errno);
    const on = [
      details.device === undefined ? '' : ` on ${details.device}`,
      details.deviceName === undefined ? '' : ` for uinput device "${details.deviceName}"`,
    ].join('');
    const hint = name === 'ENOTTY' ? '; the path is not a uinput device node' : '';
    super('SYSCALL_FAILED', `${details.call} failed${on}: ${name} (errno ${details.errno})${hint}`, {
      cause: details.cause,
    });
    this.call = details.call;
    this.errno = details.errno;
    this.errnoName = name;
    this.device = details.device;
    this.deviceName = details.deviceName;
  }
}

/** Linux errno number -> symbolic name ('ENOTTY'); `E<n>` when unknown. */
export function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(osConstants.errno)) {
    if (value === errno) return name;
  }
  return `E${errno}`;
}

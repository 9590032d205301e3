import { encodeUnixAddress } from './address';
import type { EncodedAddress } from './address';
import { AF_UNIX } from './address';
import { SdNotifyError, SdNotifySyscallError } from './errors';
import { createKoffiSyscalls } from './koffi-syscalls';
import type { NotifySyscalls } from './syscalls';
import { MSG_NOSIGNAL, SOCK_CLOEXEC, SOCK_DGRAM } from './syscalls';

export type NotifyState = string | Readonly<Record<string, string | number>>;

export interface SdNotifierOptions {
  /** `$NOTIFY_SOCKET`. Unset or empty: not started by systemd as Type=notify, every call is a no-op. */
  readonly socket: string | undefined;
  /** Defaults to libc through koffi, loaded on the first message. */
  readonly syscalls?: NotifySyscalls;
  /** When given, a failed send is reported here and the call returns false instead of throwing. */
  readonly onError?: (err: SdNotifyError) => void;
}

/**
 * sd_notify(3) for Node: one AF_UNIX datagram per call to the service manager's socket. The
 * socket is made on the first message and kept, so later messages (STOPPING=1 while the process
 * is short of fds, say) need no new resources.
 */
export class SdNotifier {
  private readonly address: EncodedAddress | undefined;
  private readonly socketName: string;
  private readonly onError: ((err: SdNotifyError) => void) | undefined;
  private syscalls: NotifySyscalls | undefined;
  private fd = -1;
  private closed = false;

  constructor(options: SdNotifierOptions) {
    this.socketName = options.socket ?? '';
    this.address = this.socketName === '' ? undefined : encodeUnixAddress(this.socketName);
    this.syscalls = options.syscalls;
    this.onError = options.onError;
  }

  /** Whether a service manager asked for notifications (NOTIFY_SOCKET was set). */
  get enabled(): boolean {
    return this.address !== undefined && !this.closed;
  }

  /** `READY=1`: start-up is complete (systemd moves the unit to "active"). */
  ready(status?: string): boolean {
    return this.notify(status === undefined ? { READY: 1 } : { READY: 1, STATUS: status });
  }

  /** `STOPPING=1`: shutdown has begun (systemd moves the unit to "deactivating"). */
  stopping(status?: string): boolean {
    return this.notify(status === undefined ? { STOPPING: 1 } : { STOPPING: 1, STATUS: status });
  }

  /** `STATUS=...`: free text shown by `systemctl status`. */
  status(text: string): boolean {
    return this.notify({ STATUS: text });
  }

  /**
   * Sends one message: `KEY=value` lines, given as a record or as the raw text. Returns true when
   * it was sent, false when notifications are off (or failed and `onError` took the error).
   */
  notify(state: NotifyState): boolean {
    if (this.address === undefined || this.closed) return false;
    const message = Buffer.from(encodeState(state), 'utf8'); // a bad state is a bug: always thrown
    try {
      const sys = this.kernel();
      if (this.fd < 0) {
        const fd = sys.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) throw new SdNotifySyscallError('socket(AF_UNIX, SOCK_DGRAM)', -fd, this.socketName);
        this.fd = fd;
      }
      const sent = sys.sendto(this.fd, message, MSG_NOSIGNAL, this.address.bytes, this.address.length);
      if (sent < 0) throw new SdNotifySyscallError('sendto', -sent, this.socketName);
      return true;
    } catch (err) {
      if (this.onError === undefined || !(err instanceof SdNotifyError)) throw err;
      this.onError(err);
      return false;
    }
  }

  /** Closes the socket; later calls do nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd >= 0) this.kernel().close(this.fd);
    this.fd = -1;
  }

  private kernel(): NotifySyscalls {
    this.syscalls ??= createKoffiSyscalls();
    return this.syscalls;
  }
}

/** `{ READY: 1, STATUS: 'x' }` -> `READY=1\nSTATUS=x`; refuses what would corrupt the message. */
export function encodeState(state: NotifyState): string {
  if (typeof state === 'string') {
    if (state.trim() === '') throw new SdNotifyError('BAD_STATE', 'notify state is empty');
    if (state.includes('\0')) throw new SdNotifyError('BAD_STATE', 'notify state contains a NUL byte');
    return state;
  }
  const lines = Object.entries(state).map(([key, value]) => {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) {
      throw new SdNotifyError('BAD_STATE', `notify key "${key}" is not an upper-case variable name`);
    }
    const text = String(value);
    if (/[\n\0]/.test(text)) {
      throw new SdNotifyError('BAD_STATE', `notify value of ${key} contains a newline or NUL byte`);
    }
    return `${key}=${text}`;
  });
  if (lines.length === 0) throw new SdNotifyError('BAD_STATE', 'notify state is empty');
  return lines.join('\n');
}

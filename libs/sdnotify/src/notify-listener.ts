import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { AF_UNIX, encodeUnixAddress } from './address';
import { SdNotifyError, SdNotifySyscallError } from './errors';
import { createKoffiSyscalls } from './koffi-syscalls';
import type { NotifySyscalls } from './syscalls';
import { MSG_DONTWAIT, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK } from './syscalls';

const EAGAIN = 11;
const POLL_MS = 10;

/**
 * The service manager's side of NOTIFY_SOCKET, for tests and tools: binds a datagram socket
 * (`/path`, or `@name` in the abstract namespace) and collects every message sent to it. Reads
 * are non-blocking and polled, so the event loop never waits inside recv(2).
 */
export class NotifyListener {
  readonly address: string;
  private readonly sys: NotifySyscalls;
  private readonly fd: number;
  private readonly received: string[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly waiters = new Set<() => void>();
  private closed = false;
  private failure: Error | undefined;

  /** `address` defaults to a fresh abstract name, so parallel tests never collide. */
  constructor(address?: string, syscalls?: NotifySyscalls) {
    this.address = address ?? `@fractal-sdnotify-${process.pid}-${randomBytes(6).toString('hex')}`;
    const encoded = encodeUnixAddress(this.address);
    this.sys = syscalls ?? createKoffiSyscalls();
    const fd = this.sys.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw new SdNotifySyscallError('socket(AF_UNIX, SOCK_DGRAM)', -fd, this.address);
    const bound = this.sys.bind(fd, encoded.bytes, encoded.length);
    if (bound < 0) {
      this.sys.close(fd);
      throw new SdNotifySyscallError('bind', -bound, this.address);
    }
    this.fd = fd;
    this.timer = setInterval(() => this.drain(), POLL_MS);
    this.timer.unref();
  }

  /** Every datagram received so far, in order. */
  messages(): readonly string[] {
    this.drain();
    return [...this.received];
  }

  /** Resolves with the first datagram that has `line` as one of its lines (e.g. `READY=1`). */
  waitFor(line: string, timeoutMs = 30_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = this.received.find((m) => m.split('\n').includes(line));
        const failure = this.failure;
        if (hit !== undefined) finish(() => resolve(hit));
        else if (failure !== undefined) finish(() => reject(failure));
        else if (this.closed)
          finish(() => reject(new SdNotifyError('CLOSED', `listener closed before ${line}`)));
      };
      const timer = setTimeout(() => {
        const got = this.received.map((m) => JSON.stringify(m)).join(', ') || 'nothing';
        finish(() => reject(new Error(`no ${line} on ${this.address} within ${timeoutMs} ms (got ${got})`)));
      }, timeoutMs);
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      this.drain();
      check();
    });
  }

  /** Closes the socket and removes its file (for a path address); pending waits reject. */
  close(): void {
    if (this.closed) return;
    this.drain();
    this.closed = true;
    clearInterval(this.timer);
    this.sys.close(this.fd);
    if (this.address.startsWith('/')) rmSync(this.address, { force: true });
    for (const w of [...this.waiters]) w();
  }

  /** Reads what has arrived; a failed recv stops the polling and fails the pending waits. */
  private drain(): void {
    if (this.closed || this.failure !== undefined) return;
    const buffer = Buffer.alloc(4096);
    let changed = false;
    for (;;) {
      const n = this.sys.recv(this.fd, buffer, MSG_DONTWAIT);
      if (n === -EAGAIN) break;
      changed = true;
      if (n < 0) {
        this.failure = new SdNotifySyscallError('recv', -n, this.address);
        clearInterval(this.timer);
        break;
      }
      this.received.push(buffer.subarray(0, n).toString('utf8'));
    }
    if (changed) for (const w of [...this.waiters]) w();
  }
}

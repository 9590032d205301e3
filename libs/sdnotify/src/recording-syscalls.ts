import type { NotifySyscalls } from './syscalls';

const EBADF = 9;
const EAGAIN = 11;
const EADDRINUSE = 98;
const ECONNREFUSED = 111;

export type NotifyCallName = 'socket' | 'sendto' | 'bind' | 'recv' | 'close';

/**
 * An in-memory kernel for unit tests: datagram sockets bound to addresses (compared as the exact
 * `addrlen` bytes, as the kernel does), queues, errno results, and one-shot injected failures.
 */
export class RecordingNotifySyscalls implements NotifySyscalls {
  /** Every call in order, e.g. `sendto(3)`. */
  readonly calls: string[] = [];
  private nextFd = 3;
  private readonly open = new Map<number, { bound?: string }>();
  private readonly queues = new Map<string, Buffer[]>();
  private readonly failures = new Map<NotifyCallName, number>();

  /** The next call of `call` returns `-errno` (e.g. ECONNREFUSED = 111). */
  failNext(call: NotifyCallName, errno: number): void {
    this.failures.set(call, errno);
  }

  /** File descriptors not closed yet. */
  openFds(): number[] {
    return [...this.open.keys()];
  }

  socket(): number {
    const failed = this.take('socket', []);
    if (failed !== undefined) return failed;
    const fd = this.nextFd++;
    this.open.set(fd, {});
    return fd;
  }

  bind(fd: number, addr: Buffer, addrLength: number): number {
    const failed = this.take('bind', [fd]);
    if (failed !== undefined) return failed;
    const sock = this.open.get(fd);
    if (sock === undefined) return -EBADF;
    const key = addr.subarray(0, addrLength).toString('hex');
    if (this.queues.has(key)) return -EADDRINUSE;
    this.queues.set(key, []);
    sock.bound = key;
    return 0;
  }

  sendto(fd: number, data: Buffer, _flags: number, addr: Buffer, addrLength: number): number {
    const failed = this.take('sendto', [fd]);
    if (failed !== undefined) return failed;
    if (!this.open.has(fd)) return -EBADF;
    const queue = this.queues.get(addr.subarray(0, addrLength).toString('hex'));
    if (queue === undefined) return -ECONNREFUSED;
    queue.push(Buffer.from(data));
    return data.length;
  }

  recv(fd: number, buffer: Buffer): number {
    const failed = this.take('recv', [fd]);
    if (failed !== undefined) return failed;
    const sock = this.open.get(fd);
    if (sock === undefined) return -EBADF;
    const next = sock.bound === undefined ? undefined : this.queues.get(sock.bound)?.shift();
    if (next === undefined) return -EAGAIN; // a blocking recv would hang; the fake never does
    return next.copy(buffer);
  }

  close(fd: number): number {
    const failed = this.take('close', [fd]);
    if (failed !== undefined) return failed;
    const sock = this.open.get(fd);
    if (sock === undefined) return -EBADF;
    if (sock.bound !== undefined) this.queues.delete(sock.bound);
    this.open.delete(fd);
    return 0;
  }

  private take(call: NotifyCallName, args: number[]): number | undefined {
    this.calls.push(`${call}(${args.join(', ')})`);
    const errno = this.failures.get(call);
    if (errno === undefined) return undefined;
    this.failures.delete(call);
    return -errno;
  }
}

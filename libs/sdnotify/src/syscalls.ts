/**
 * What this library asks of the kernel. Raw syscall convention: a non-negative result on success,
 * `-errno` on failure (never a throw), so fakes are trivial and callers build the error.
 */
export interface NotifySyscalls {
  /** socket(2); returns the new fd. */
  socket(domain: number, type: number, protocol: number): number;
  /** sendto(2) of the whole buffer to the first `addrLength` bytes of `addr`. */
  sendto(fd: number, data: Buffer, flags: number, addr: Buffer, addrLength: number): number;
  /** bind(2) (the receiving side; tests and tools). */
  bind(fd: number, addr: Buffer, addrLength: number): number;
  /** recv(2) into `buffer`; returns the datagram's length. */
  recv(fd: number, buffer: Buffer, flags: number): number;
  /** close(2). */
  close(fd: number): number;
}

export const SOCK_DGRAM = 2;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const MSG_DONTWAIT = 0x40;
export const MSG_NOSIGNAL = 0x4000;

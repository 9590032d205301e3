import type * as Koffi from 'koffi';
import type { NotifySyscalls } from './syscalls';

/**
 * The real syscalls, through libc via koffi (Node's `dgram` has no AF_UNIX datagram sockets and
 * `net` only does streams). koffi is required here, on first use, so importing the library or
 * using its fakes never loads the native module.
 */
export function createKoffiSyscalls(): NotifySyscalls {
  const koffi = require('koffi') as typeof Koffi;
  const libc = koffi.load('libc.so.6');
  const socket = libc.func('int socket(int domain, int type, int protocol)');
  const sendto = libc.func(
    'long sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t addrlen)',
  );
  const bind = libc.func('int bind(int fd, const void *addr, uint32_t addrlen)');
  const recv = libc.func('long recv(int fd, void *buf, size_t len, int flags)');
  const close = libc.func('int close(int fd)');

  // koffi saves errno right after each call, so reading it here is not clobbered by Node.
  const result = (value: number | bigint): number => {
    const n = Number(value);
    return n < 0 ? -koffi.errno() : n;
  };
  return {
    socket: (domain, type, protocol) => result(socket(domain, type, protocol)),
    sendto: (fd, data, flags, addr, addrLength) =>
      result(sendto(fd, data, data.length, flags, addr, addrLength)),
    bind: (fd, addr, addrLength) => result(bind(fd, addr, addrLength)),
    recv: (fd, buffer, flags) => result(recv(fd, buffer, buffer.length, flags)),
    close: (fd) => result(close(fd)),
  };
}

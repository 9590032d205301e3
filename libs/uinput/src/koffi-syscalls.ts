import { readdir } from 'node:fs/promises';
import type * as Koffi from 'koffi';
import type { UinputSyscalls } from './syscalls';

/**
 * The real syscalls, through libc via koffi. koffi is loaded here, on first use, and nowhere else,
 * so importing the library (or using its fakes) never needs the native module.
 */
export function createKoffiSyscalls(): UinputSyscalls {
  // A lazy require keeps koffi's native binary out of processes that only use the fakes.
  const koffi = require('koffi') as typeof Koffi;
  const libc = koffi.load('libc.so.6');
  const iovec = koffi.struct({ iov_base: 'void *', iov_len: 'size_t' });
  const msghdr = koffi.struct({
    msg_name: 'void *',
    msg_namelen: 'uint32_t',
    msg_iov: koffi.pointer(iovec),
    msg_iovlen: 'size_t',
    msg_control: 'void *',
    msg_controllen: 'size_t',
    msg_flags: 'int',
  });
  const open = libc.func('int open(const char *path, int flags, ...)');
  const close = libc.func('int close(int fd)');
  const ioctl = libc.func('int ioctl(int fd, unsigned long request, ...)');
  const write = libc.func('long write(int fd, const void *buf, size_t count)');
  const sendmsg = libc.func('sendmsg', 'long', ['int', koffi.pointer(msghdr), 'int']);

  // koffi saves errno right after each call, so reading it here is not clobbered by Node.
  const result = (value: number | bigint): number => {
    const n = Number(value);
    return n < 0 ? -koffi.errno() : n;
  };

  return {
    open: (path, flags) => result(open(path, flags)),
    close: (fd) => result(close(fd)),
    ioctl: (fd, request, arg) => result(ioctl(fd, request, 'int', arg)),
    ioctlBuffer: (fd, request, buffer) => result(ioctl(fd, request, 'void *', buffer)),
    write: (fd, data) => result(write(fd, data, data.length)),
    sendmsg: (fd, data, control, flags) =>
      result(
        sendmsg(
          fd,
          {
            msg_name: null,
            msg_namelen: 0,
            msg_iov: [{ iov_base: data, iov_len: data.length }],
            msg_iovlen: 1,
            msg_control: control,
            msg_controllen: control.length,
            msg_flags: 0,
          },
          flags,
        ),
      ),
    readdir: async (path) => {
      try {
        return await readdir(path);
      } catch (error) {
        const errno = (error as NodeJS.ErrnoException).errno;
        if (typeof errno === 'number') return errno < 0 ? errno : -errno;
        throw error;
      }
    },
  };
}

/**
 * Everything this library asks of the kernel. Calls follow the raw syscall convention: a
 * non-negative result on success, `-errno` on failure (never a throw), so fakes are trivial and
 * the callers, which know the device and the step, build the error.
 */
export interface UinputSyscalls {
  /** open(2); returns the new fd. */
  open(path: string, flags: number): number;
  /** close(2). */
  close(fd: number): number;
  /** ioctl(2) whose argument is an integer (or unused: pass 0). */
  ioctl(fd: number, request: number, arg: number): number;
  /** ioctl(2) whose argument points at `buffer`, which the kernel reads or fills in place. */
  ioctlBuffer(fd: number, request: number, buffer: Buffer): number;
  /** write(2) of the whole buffer; returns the bytes written. */
  write(fd: number, data: Buffer): number;
  /** sendmsg(2) with one iovec (`data`) and `control` as the ancillary data; returns bytes sent. */
  sendmsg(fd: number, data: Buffer, control: Buffer, flags: number): number;
  /** Entry names of a directory (sysfs lookups), or `-errno`. */
  readdir(path: string): Promise<string[] | number>;
}

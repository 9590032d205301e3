// Kernel ABI values for x86_64 Linux, from <linux/input.h>, <linux/input-event-codes.h> and
// <linux/uinput.h>. The C probe integration test compiles against the installed headers and checks
// every value here, so a typo or an ABI difference fails the build instead of a container.

export const EV = { SYN: 0x00, KEY: 0x01, REL: 0x02, ABS: 0x03 } as const;

export const SYN = { REPORT: 0 } as const;

export const BTN = {
  LEFT: 0x110,
  RIGHT: 0x111,
  MIDDLE: 0x112,
  SIDE: 0x113,
  EXTRA: 0x114,
  TOUCH: 0x14a,
} as const;

export const REL = { X: 0x00, Y: 0x01, HWHEEL: 0x06, WHEEL: 0x08 } as const;

export const ABS = { X: 0x00, Y: 0x01 } as const;

export const BUS = { USB: 0x03 } as const;

const IOC_WRITE = 1;
const IOC_READ = 2;
const UINPUT_IOCTL_BASE = 0x55; // 'U'

// _IOC(dir, type, nr, size) as the asm-generic ioctl.h lays it out (x86_64 uses the generic one).
function ioc(dir: number, nr: number, size: number): number {
  return ((dir << 30) >>> 0) + (size << 16) + (UINPUT_IOCTL_BASE << 8) + nr;
}

/** uinput ioctl request numbers. */
export const UI = {
  DEV_CREATE: ioc(0, 1, 0),
  DEV_DESTROY: ioc(0, 2, 0),
  SET_EVBIT: ioc(IOC_WRITE, 100, 4),
  SET_KEYBIT: ioc(IOC_WRITE, 101, 4),
  SET_RELBIT: ioc(IOC_WRITE, 102, 4),
  SET_ABSBIT: ioc(IOC_WRITE, 103, 4),
  /** `UI_GET_SYSNAME(len)`: the kernel writes the device's sysfs name into a `len`-byte buffer. */
  GET_SYSNAME: (len: number): number => ioc(IOC_READ, 44, len),
} as const;

/** Request number -> name, for error messages and the recording fake. */
export function ioctlName(request: number): string {
  for (const [name, value] of Object.entries(UI)) {
    if (typeof value === 'number' && value === request) return `UI_${name}`;
  }
  if (((request >>> 8) & 0xff) === UINPUT_IOCTL_BASE && (request & 0xff) === 44) {
    return `UI_GET_SYSNAME(${(request >>> 16) & 0x3fff})`;
  }
  return `0x${request.toString(16)}`;
}

/** open(2) flags; O_CLOEXEC keeps device fds out of child processes the daemon spawns. */
export const OPEN_FLAGS = { O_WRONLY: 0o1, O_NONBLOCK: 0o4000, O_CLOEXEC: 0o2000000 } as const;

/** Socket-level constants for sendmsg(2) with SCM_RIGHTS. */
export const SOCKET = { SOL_SOCKET: 1, SCM_RIGHTS: 1, MSG_NOSIGNAL: 0x4000 } as const;

/** Struct layout facts the encoders rely on (x86_64). */
export const LAYOUT = {
  INPUT_EVENT_SIZE: 24,
  /** offsetof(struct input_event, type); code and value follow at +2 and +4. */
  INPUT_EVENT_TYPE_OFFSET: 16,
  UINPUT_MAX_NAME_SIZE: 80,
  ABS_CNT: 64,
  UINPUT_USER_DEV_SIZE: 1116,
  USER_DEV_ID_OFFSET: 80,
  USER_DEV_FF_EFFECTS_MAX_OFFSET: 88,
  USER_DEV_ABSMAX_OFFSET: 92,
  USER_DEV_ABSMIN_OFFSET: 348,
  USER_DEV_ABSFUZZ_OFFSET: 604,
  SYSNAME_BUFFER_SIZE: 64,
  CMSG_HEADER_SIZE: 16,
  MSGHDR_SIZE: 56,
} as const;

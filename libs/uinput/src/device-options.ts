import { constants as osConstants } from 'node:os';
import { OPEN_FLAGS } from './constants';
import { UinputSyscallError, UinputUnavailableError } from './errors';
import { createKoffiSyscalls } from './koffi-syscalls';
import type { UinputSyscalls } from './syscalls';

export type DeviceKind = 'keyboard' | 'mouse' | 'touchpad';

export interface DeviceOptions {
  /** Defaults to the real syscalls (`createKoffiSyscalls()`). */
  syscalls?: UinputSyscalls;
  /** Defaults to `/dev/uinput`. */
  uinputPath?: string;
  /** Defaults to `/sys`. */
  sysfsRoot?: string;
  /** Defaults to `/dev`. */
  devRoot?: string;
}

export interface ResolvedDeviceOptions {
  syscalls: UinputSyscalls;
  uinputPath: string;
  sysfsRoot: string;
  devRoot: string;
}

export function resolveDeviceOptions(options: DeviceOptions = {}): ResolvedDeviceOptions {
  return {
    syscalls: options.syscalls ?? createKoffiSyscalls(),
    uinputPath: options.uinputPath ?? '/dev/uinput',
    sysfsRoot: options.sysfsRoot ?? '/sys',
    devRoot: options.devRoot ?? '/dev',
  };
}

// Errors that mean "no usable uinput here" rather than "something went wrong while using it".
const UNAVAILABLE = new Set(
  ['ENOENT', 'ENODEV', 'ENXIO', 'EACCES', 'EPERM', 'EROFS'].map(
    (n) => osConstants.errno[n as keyof typeof osConstants.errno],
  ),
);

/** Opens the uinput node write-only and non-blocking, as the kernel documentation does. */
export function openUinput(options: ResolvedDeviceOptions, deviceName: string): number {
  const flags = OPEN_FLAGS.O_WRONLY | OPEN_FLAGS.O_NONBLOCK | OPEN_FLAGS.O_CLOEXEC;
  const fd = options.syscalls.open(options.uinputPath, flags);
  if (fd >= 0) return fd;
  if (UNAVAILABLE.has(-fd)) throw new UinputUnavailableError(options.uinputPath, -fd);
  throw new UinputSyscallError({ call: 'open', errno: -fd, device: options.uinputPath, deviceName });
}

import type {
  DeviceSet as FractalDeviceSet,
  DockerDeviceMapping as FractalDockerDeviceMapping,
} from './device-set';
import {
  ABSOLUTE_AXIS_MAX as FRACTAL_ABSOLUTE_AXIS_MAX,
  DEVICE_SET_NAMES as FRACTAL_DEVICE_SET_NAMES,
  allocateDeviceSet as allocateFractalDeviceSet,
} from './device-set';
import type { SendFdsOptions as FdPassingOptions } from './send-fds';
import { sendFds as passFds } from './send-fds';

export { ABS, BTN, BUS, EV, REL, SYN, UI } from './constants';
export { KEY } from './key-codes';
export type { UinputErrorCode, SyscallErrorDetails } from './errors';
export { UinputError, UinputSyscallError, UinputUnavailableError, errnoName } from './errors';
export type { UinputSyscalls } from './syscalls';
export { createKoffiSyscalls } from './koffi-syscalls';
export type { DeviceKind, DeviceOptions } from './device-options';
export type { UinputDevice } from './device';
export type { TouchPadOptions } from './devices';
export { createKeyboard, createMouse, createTouchPad } from './devices';

// The Fractal device set and fd passing moved to their own entry points; these aliases keep
// existing imports compiling.
/** @deprecated Import from `@fractal/uinput/fractal-set`. */
export type DeviceSet = FractalDeviceSet;
/** @deprecated Import from `@fractal/uinput/fractal-set`. */
export type DockerDeviceMapping = FractalDockerDeviceMapping;
/** @deprecated Import from `@fractal/uinput/fractal-set`. */
export const ABSOLUTE_AXIS_MAX = FRACTAL_ABSOLUTE_AXIS_MAX;
/** @deprecated Import from `@fractal/uinput/fractal-set`. */
export const DEVICE_SET_NAMES = FRACTAL_DEVICE_SET_NAMES;
/** @deprecated Import from `@fractal/uinput/fractal-set`. */
export const allocateDeviceSet = allocateFractalDeviceSet;
/** @deprecated Import from `@fractal/uinput/fd-passing`. */
export type SendFdsOptions = FdPassingOptions;
/** @deprecated Import from `@fractal/uinput/fd-passing`. */
export const sendFds = passFds;

import type { UinputDevice } from './device';
import type { DeviceOptions } from './device-options';
import { resolveDeviceOptions } from './device-options';
import { createKeyboard, createMouse, createTouchPad } from './devices';

export interface DockerDeviceMapping {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: 'rwm';
}

export interface DeviceSet {
  readonly absolute: UinputDevice;
  readonly relative: UinputDevice;
  readonly keyboard: UinputDevice;
  /** `[absolute, relative, keyboard]`: the order the protocol expects them over the socket. */
  readonly fds: readonly number[];
  /** For dockerode's `HostConfig.Devices`; each node keeps its host path in the container. */
  readonly dockerDevices: readonly DockerDeviceMapping[];
  /** Closes all three devices, once; throws the first failure after trying every device. */
  close(): void;
}

export const DEVICE_SET_NAMES = {
  absolute: 'Fractal Virtual Absolute Input',
  relative: 'Fractal Virtual Relative Input',
  keyboard: 'Fractal Virtual Keyboard',
} as const;

/** The absolute device's range on both axes, as the protocol scales to it. */
export const ABSOLUTE_AXIS_MAX = 0xfff;

/** Creates the three devices a container gets; on any failure closes what it made and rethrows. */
export async function allocateDeviceSet(options?: DeviceOptions): Promise<DeviceSet> {
  const resolved = resolveDeviceOptions(options);
  const made: UinputDevice[] = [];
  try {
    const absolute = createTouchPad(DEVICE_SET_NAMES.absolute, {
      ...resolved,
      minX: 0,
      maxX: ABSOLUTE_AXIS_MAX,
      minY: 0,
      maxY: ABSOLUTE_AXIS_MAX,
    });
    made.push(absolute);
    const relative = createMouse(DEVICE_SET_NAMES.relative, resolved);
    made.push(relative);
    const keyboard = createKeyboard(DEVICE_SET_NAMES.keyboard, resolved);
    made.push(keyboard);
    const paths: string[] = [];
    for (const device of made) paths.push(await device.devicePath());
    return makeSet(absolute, relative, keyboard, paths);
  } catch (error) {
    closeAll(made);
    throw error;
  }
}

function makeSet(
  absolute: UinputDevice,
  relative: UinputDevice,
  keyboard: UinputDevice,
  paths: string[],
): DeviceSet {
  let closed = false;
  return Object.freeze({
    absolute,
    relative,
    keyboard,
    fds: Object.freeze([absolute.fd, relative.fd, keyboard.fd]),
    dockerDevices: Object.freeze(
      paths.map((path) =>
        Object.freeze({ PathOnHost: path, PathInContainer: path, CgroupPermissions: 'rwm' as const }),
      ),
    ),
    close(): void {
      if (closed) return;
      closed = true;
      const failure = closeAll([absolute, relative, keyboard]);
      if (failure !== undefined) throw failure;
    },
  });
}

/** Closes every device even if some fail; returns the first failure. */
function closeAll(devices: readonly UinputDevice[]): unknown {
  let first: unknown;
  for (const device of devices) {
    try {
      device.close();
    } catch (error) {
      first ??= error;
    }
  }
  return first;
}

import { join } from 'node:path';
import { LAYOUT, UI } from './constants';
import type { ResolvedDeviceOptions } from './device-options';
import { UinputError, UinputSyscallError, errnoName } from './errors';

const EVENT_NODE = /^event\d+$/;
const SYSNAME = /^[A-Za-z0-9_-]+$/;

/** UI_GET_SYSNAME -> <sysfs>/devices/virtual/input/<sysname>/event* -> <dev>/input/eventN. */
export async function findDeviceNode(
  fd: number,
  deviceName: string,
  options: ResolvedDeviceOptions,
): Promise<string> {
  const buffer = Buffer.alloc(LAYOUT.SYSNAME_BUFFER_SIZE);
  const result = options.syscalls.ioctlBuffer(fd, UI.GET_SYSNAME(buffer.length), buffer);
  if (result < 0) {
    throw new UinputSyscallError({
      call: 'ioctl(UI_GET_SYSNAME)',
      errno: -result,
      device: options.uinputPath,
      deviceName,
    });
  }
  const end = buffer.indexOf(0);
  const sysname = buffer.subarray(0, end < 0 ? buffer.length : end).toString('utf8');
  // The name becomes a path segment; anything odd would mean a confused kernel or fake.
  if (!SYSNAME.test(sysname)) {
    throw new UinputError(
      'DEVICE_NODE_NOT_FOUND',
      `UI_GET_SYSNAME returned "${sysname}" for uinput device "${deviceName}"`,
    );
  }
  const dir = join(options.sysfsRoot, 'devices', 'virtual', 'input', sysname);
  const entries = await options.syscalls.readdir(dir);
  if (typeof entries === 'number') {
    throw new UinputError(
      'DEVICE_NODE_NOT_FOUND',
      `cannot list ${dir} for uinput device "${deviceName}" (${errnoName(-entries)}); is sysfs mounted at ${options.sysfsRoot}?`,
    );
  }
  const events = entries.filter((entry) => EVENT_NODE.test(entry)).sort();
  if (events.length === 0) {
    throw new UinputError(
      'DEVICE_NODE_NOT_FOUND',
      `${dir} has no event* entry for uinput device "${deviceName}"; is the evdev driver loaded?`,
    );
  }
  return join(options.devRoot, 'input', events[0]);
}

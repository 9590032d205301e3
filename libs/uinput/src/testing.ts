import type { DeviceSet } from './device-set';
import { allocateDeviceSet } from './device-set';
import { RecordingSyscalls } from './recording-syscalls';

export type { FailureRule, FakeUinputDevice, RecordedCall, SyscallName } from './recording-syscalls';
export { RecordingSyscalls } from './recording-syscalls';
export type { InputEvent, UserDev } from './encoding';
export { decodeInputEvents, decodeScmRights, decodeUserDev } from './encoding';

export interface FakeDeviceSet extends DeviceSet {
  /** The fake kernel behind the set: its devices, recorded calls and injected failures. */
  readonly syscalls: RecordingSyscalls;
}

/**
 * A DeviceSet made through the real `allocateDeviceSet` on a RecordingSyscalls, so no kernel is
 * needed; its docker mappings point at fake nodes such as `/dev/input/event100`.
 */
export async function createFakeDeviceSet(
  syscalls: RecordingSyscalls = new RecordingSyscalls(),
): Promise<FakeDeviceSet> {
  const set = await allocateDeviceSet({ syscalls });
  return Object.freeze({
    absolute: set.absolute,
    relative: set.relative,
    keyboard: set.keyboard,
    fds: set.fds,
    dockerDevices: set.dockerDevices,
    close: () => set.close(),
    syscalls,
  });
}

// Entry point `@fractal/uinput/fractal-set`: the three devices every Fractal container gets, named
// and ordered as the streaming protocol expects them. The generic devices are in the main entry.
export type { DeviceSet, DockerDeviceMapping } from './device-set';
export { ABSOLUTE_AXIS_MAX, DEVICE_SET_NAMES, allocateDeviceSet } from './device-set';

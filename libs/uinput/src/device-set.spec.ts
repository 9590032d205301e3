import { allocateDeviceSet } from './device-set';
import { UinputSyscallError, UinputUnavailableError } from './errors';
import { RecordingSyscalls } from './recording-syscalls';

describe('allocateDeviceSet', () => {
  it('makes the absolute, relative and keyboard devices with docker mappings, fds in protocol order', async () => {
    const syscalls = new RecordingSyscalls();
    const set = await allocateDeviceSet({ syscalls, devRoot: '/host/dev' });
    expect([set.absolute.kind, set.relative.kind, set.keyboard.kind]).toEqual([
      'touchpad',
      'mouse',
      'keyboard',
    ]);
    expect([set.absolute.name, set.relative.name, set.keyboard.name]).toEqual([
      'Fractal Virtual Absolute Input',
      'Fractal Virtual Relative Input',
      'Fractal Virtual Keyboard',
    ]);
    expect(set.fds).toEqual([set.absolute.fd, set.relative.fd, set.keyboard.fd]);
    expect(syscalls.device(set.absolute.fd).userDev?.abs).toEqual({ 0: [0, 0xfff], 1: [0, 0xfff] });
    expect(set.dockerDevices).toEqual(
      [100, 101, 102].map((n) => ({
        PathOnHost: `/host/dev/input/event${n}`,
        PathInContainer: `/host/dev/input/event${n}`,
        CgroupPermissions: 'rwm',
      })),
    );
    // devicePath went UI_GET_SYSNAME -> /sys/devices/virtual/input/<sysname>.
    expect(syscalls.calls.filter((c) => c.call === 'readdir').map((c) => c.path)).toEqual(
      ['input100', 'input101', 'input102'].map((s) => `/sys/devices/virtual/input/${s}`),
    );
    set.close();
    set.close();
    expect(syscalls.openFds()).toEqual([]);
    expect(syscalls.devices().every((d) => d.destroyed)).toBe(true);
    expect(syscalls.calls.filter((c) => c.call === 'close')).toHaveLength(3);
  });

  it('closes the first device when the second cannot be created', async () => {
    const syscalls = new RecordingSyscalls().fail({ call: 'open', nth: 2, errno: 'ENOENT' });
    await expect(allocateDeviceSet({ syscalls })).rejects.toBeInstanceOf(UinputUnavailableError);
    expect(syscalls.devices()).toHaveLength(1);
    expect(syscalls.devices()[0]).toMatchObject({ closed: true, destroyed: true });
    expect(
      syscalls
        .callsOn(1000)
        .slice(-2)
        .map((c) => c.call),
    ).toEqual(['ioctl', 'close']);
  });

  it('closes all three when a device node lookup fails', async () => {
    const syscalls = new RecordingSyscalls().fail({ call: 'ioctlBuffer', nth: 3, errno: 'ENOTTY' });
    await expect(allocateDeviceSet({ syscalls })).rejects.toThrow(UinputSyscallError);
    expect(syscalls.devices()).toHaveLength(3);
    expect(syscalls.openFds()).toEqual([]);
  });

  it('reports a sysfs dir without an event node', async () => {
    const syscalls = new RecordingSyscalls().fail({ call: 'readdir', nth: 1, errno: 'ENOENT' });
    await expect(allocateDeviceSet({ syscalls, sysfsRoot: '/nosys' })).rejects.toThrow(
      /cannot list \/nosys\/devices\/virtual\/input\/input100 for uinput device "Fractal Virtual Absolute Input" \(ENOENT\)/,
    );
    expect(syscalls.openFds()).toEqual([]);
  });
});

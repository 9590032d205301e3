import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UI } from './constants';
import { allocateDeviceSet } from './device-set';
import { createKeyboard, createMouse, createTouchPad } from './devices';
import { UinputSyscallError, UinputUnavailableError } from './errors';
import { createKoffiSyscalls } from './koffi-syscalls';

const openFdCount = (): number => readdirSync('/proc/self/fd').length;

describe('real syscalls through koffi', () => {
  const syscalls = createKoffiSyscalls();
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'uinput-koffi-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives UinputUnavailableError for a missing node and for one that cannot be opened for writing', () => {
    const missing = join(dir, 'uinput');
    expect(() => createKeyboard('kb', { syscalls, uinputPath: missing })).toThrow(
      expect.objectContaining({ constructor: UinputUnavailableError, errnoName: 'ENOENT', path: missing }),
    );
    // A read-only sysfs attribute refuses O_WRONLY even to root.
    expect(() => createMouse('m', { syscalls, uinputPath: '/sys/kernel/uevent_seqnum' })).toThrow(
      expect.objectContaining({ constructor: UinputUnavailableError, errnoName: 'EACCES' }),
    );
  });

  it.each([
    ['/dev/null', () => '/dev/null'],
    ['a regular file', () => join(dir, 'regular')],
  ])(
    'wraps ENOTTY from the first ioctl on %s, naming the call and device, and closes the fd',
    (_label, pathOf) => {
      const path = pathOf();
      if (path !== '/dev/null') writeFileSync(path, '');
      const before = openFdCount();
      let error: unknown;
      try {
        createTouchPad('Fractal Test Pad', 0, 100, 0, 100, { syscalls, uinputPath: path });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(UinputSyscallError);
      expect(error).toMatchObject({
        call: 'ioctl(UI_SET_EVBIT)',
        errno: 25,
        errnoName: 'ENOTTY',
        device: path,
        deviceName: 'Fractal Test Pad',
      });
      expect((error as Error).message).toContain(
        `ioctl(UI_SET_EVBIT) failed on ${path} for uinput device "Fractal Test Pad": ENOTTY`,
      );
      expect(openFdCount()).toBe(before);
      if (path !== '/dev/null') expect(statSync(path).size).toBe(0); // nothing was written to it
    },
  );

  it('returns -errno from each raw call', async () => {
    const fd = syscalls.open('/dev/null', 1);
    expect(fd).toBeGreaterThan(2);
    expect(syscalls.ioctl(fd, UI.DEV_DESTROY, 0)).toBe(-25);
    expect(syscalls.ioctlBuffer(fd, UI.GET_SYSNAME(64), Buffer.alloc(64))).toBe(-25);
    expect(syscalls.write(fd, Buffer.alloc(24))).toBe(24);
    expect(syscalls.sendmsg(fd, Buffer.alloc(1), Buffer.alloc(24), 0)).toBe(-88); // ENOTSOCK
    expect(syscalls.close(fd)).toBe(0);
    expect(syscalls.close(fd)).toBe(-9); // EBADF
    expect(await syscalls.readdir(join(dir, 'nope'))).toBe(-2);
    expect(await syscalls.readdir(dir)).toEqual(expect.any(Array));
  });

  it('allocateDeviceSet with the defaults: real devices where /dev/uinput exists, else UinputUnavailableError', async () => {
    const before = openFdCount();
    if (existsSync('/dev/uinput')) {
      const set = await allocateDeviceSet();
      try {
        for (const device of set.dockerDevices)
          expect(statSync(device.PathOnHost).isCharacterDevice()).toBe(true);
      } finally {
        set.close();
      }
    } else {
      await expect(allocateDeviceSet()).rejects.toThrow(
        /cannot open \/dev\/uinput.*load the `uinput` kernel module/,
      );
    }
    expect(openFdCount()).toBe(before);
  });
});

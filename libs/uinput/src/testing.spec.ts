import { BTN, EV, KEY, UI } from './index';
import { RecordingSyscalls, createFakeDeviceSet, decodeInputEvents } from './testing';

describe('testing entry', () => {
  it('createFakeDeviceSet gives a working DeviceSet without a kernel', async () => {
    const set = await createFakeDeviceSet();
    expect(set.dockerDevices.map((d) => d.PathOnHost)).toEqual([
      '/dev/input/event100',
      '/dev/input/event101',
      '/dev/input/event102',
    ]);
    set.keyboard.keyPress(KEY.ENTER);
    set.relative.click(BTN.LEFT);
    const write = set.syscalls.callsOn(set.keyboard.fd).at(-1);
    expect(write?.call === 'write' && decodeInputEvents(write.bytes)[0]).toEqual({
      type: EV.KEY,
      code: KEY.ENTER,
      value: 1,
    });
    expect(set.syscalls.device(set.relative.fd).events).toHaveLength(4);
    set.close();
    expect(set.syscalls.openFds()).toEqual([]);
  });

  it('RecordingSyscalls enforces the order uinput needs', () => {
    const fake = new RecordingSyscalls();
    const fd = fake.open('/dev/uinput', 1);
    expect(fake.ioctl(fd, UI.DEV_CREATE, 0)).toBe(-22); // no uinput_user_dev yet
    expect(fake.write(fd, Buffer.alloc(24))).toBe(-22); // events before create
    expect(fake.write(fd, Buffer.alloc(1116))).toBe(1116);
    expect(fake.ioctl(fd, UI.DEV_CREATE, 0)).toBe(0);
    expect(fake.ioctl(fd, UI.SET_EVBIT, EV.KEY)).toBe(-22); // bits after create
    expect(fake.ioctl(fd, 0x1234, 0)).toBe(-25);
    expect(fake.close(fd)).toBe(0);
    expect(fake.close(fd)).toBe(-9);
    expect(fake.device(fd)).toMatchObject({ closed: true, destroyed: true });
  });
});

import { ABS, BTN, BUS, EV, REL, SYN, UI } from './constants';
import { createKeyboard, createMouse, createTouchPad, KEYBOARD_KEYS } from './devices';
import { UinputError, UinputSyscallError, UinputUnavailableError } from './errors';
import { KEY } from './key-codes';
import { RecordingSyscalls } from './recording-syscalls';

const ioctls = (syscalls: RecordingSyscalls, fd: number): [string, number][] =>
  syscalls
    .callsOn(fd)
    .flatMap((c) => (c.call === 'ioctl' ? [[c.requestName, c.arg] as [string, number]] : []));

const syn = { type: EV.SYN, code: SYN.REPORT, value: 0 };

describe('createKeyboard', () => {
  it('opens /dev/uinput write-only, non-blocking, close-on-exec', () => {
    const syscalls = new RecordingSyscalls();
    createKeyboard('kb', { syscalls });
    expect(syscalls.calls[0]).toEqual({
      call: 'open',
      path: '/dev/uinput',
      flags: 0o1 | 0o4000 | 0o2000000,
      result: 1000,
    });
  });

  it('registers EV_KEY and every key, writes uinput_user_dev, then UI_DEV_CREATE', () => {
    const syscalls = new RecordingSyscalls();
    const keyboard = createKeyboard('Fractal Virtual Keyboard', { syscalls });
    expect(ioctls(syscalls, keyboard.fd)).toEqual([
      ['UI_SET_EVBIT', EV.KEY],
      ...KEYBOARD_KEYS.map((code) => ['UI_SET_KEYBIT', code]),
      ['UI_DEV_CREATE', 0],
    ]);
    expect(KEYBOARD_KEYS).toHaveLength(242);
    expect(KEYBOARD_KEYS[0]).toBe(KEY.ESC);
    expect(KEYBOARD_KEYS.at(-1)).toBe(KEY.MICMUTE);
    const calls = syscalls.callsOn(keyboard.fd).map((c) => c.call);
    expect(calls.indexOf('write')).toBe(calls.length - 2); // struct written right before create
    const write = syscalls.callsOn(keyboard.fd).find((c) => c.call === 'write');
    expect(write?.call === 'write' && write.bytes.length).toBe(1116);
    expect(write?.call === 'write' && write.userDev).toEqual({
      name: 'Fractal Virtual Keyboard',
      id: { bustype: BUS.USB, vendor: 0x4711, product: 0x0815, version: 1 },
      abs: {},
    });
    expect(syscalls.device(keyboard.fd).created).toBe(true);
  });

  it('writes key down, SYN, key up, SYN as one write for a key press', () => {
    const syscalls = new RecordingSyscalls();
    const keyboard = createKeyboard('kb', { syscalls });
    keyboard.keyPress(KEY.A);
    const last = syscalls.calls.at(-1);
    expect(last?.call === 'write' && last.bytes.length).toBe(4 * 24);
    // The bytes themselves: zero timeval, then type/code/value little-endian.
    expect(last?.call === 'write' && last.bytes.subarray(0, 24).toString('hex')).toBe(
      '00'.repeat(16) + '01001e0001000000',
    );
    expect(syscalls.device(keyboard.fd).events).toEqual([
      { type: EV.KEY, code: KEY.A, value: 1 },
      syn,
      { type: EV.KEY, code: KEY.A, value: 0 },
      syn,
    ]);
    keyboard.keyDown(KEY.LEFTSHIFT);
    keyboard.keyUp(KEY.LEFTSHIFT);
    expect(syscalls.device(keyboard.fd).events.slice(4)).toEqual([
      { type: EV.KEY, code: KEY.LEFTSHIFT, value: 1 },
      syn,
      { type: EV.KEY, code: KEY.LEFTSHIFT, value: 0 },
      syn,
    ]);
  });

  it('refuses events the device did not register, and bad names', () => {
    const syscalls = new RecordingSyscalls();
    const keyboard = createKeyboard('kb', { syscalls });
    const writes = syscalls.calls.length;
    expect(() => keyboard.click(BTN.LEFT)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_EVENT' }));
    expect(() => keyboard.moveRelative(1, 1)).toThrow(/keyboard "kb".*no such relative axis/);
    expect(() => keyboard.moveTo(1, 1)).toThrow(/has no absolute axes/);
    expect(() => keyboard.keyDown(1.5)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(syscalls.calls).toHaveLength(writes);
    expect(() => createKeyboard('', { syscalls })).toThrow(UinputError);
    expect(() => createKeyboard('x'.repeat(80), { syscalls })).toThrow(/1\.\.79 UTF-8 bytes/);
  });

  it('closes once: UI_DEV_DESTROY then close, later calls do nothing', () => {
    const syscalls = new RecordingSyscalls();
    const keyboard = createKeyboard('kb', { syscalls });
    keyboard.close();
    keyboard.close();
    expect(
      syscalls
        .callsOn(keyboard.fd)
        .slice(-2)
        .map((c) => [c.call, 'requestName' in c ? c.requestName : '']),
    ).toEqual([
      ['ioctl', 'UI_DEV_DESTROY'],
      ['close', ''],
    ]);
    expect(syscalls.calls.filter((c) => c.call === 'close')).toHaveLength(1);
    expect(syscalls.openFds()).toEqual([]);
    expect(() => keyboard.keyPress(KEY.A)).toThrow(expect.objectContaining({ code: 'DEVICE_CLOSED' }));
  });
});

describe('createMouse', () => {
  it('registers buttons and relative axes and sends motion, wheel and clicks', () => {
    const syscalls = new RecordingSyscalls();
    const mouse = createMouse('m', { syscalls });
    expect(ioctls(syscalls, mouse.fd)).toEqual([
      ['UI_SET_EVBIT', EV.KEY],
      ...[BTN.LEFT, BTN.RIGHT, BTN.MIDDLE, BTN.SIDE, BTN.EXTRA].map((b) => ['UI_SET_KEYBIT', b]),
      ['UI_SET_EVBIT', EV.REL],
      ...[REL.X, REL.Y, REL.HWHEEL, REL.WHEEL].map((r) => ['UI_SET_RELBIT', r]),
      ['UI_DEV_CREATE', 0],
    ]);
    expect(syscalls.device(mouse.fd).userDev?.id.product).toBe(0x0816);
    mouse.moveRelative(5, -3);
    mouse.moveRelative(0, 0); // nothing to send
    mouse.moveRelative(0, 2);
    mouse.wheel(-1);
    mouse.buttonDown(BTN.RIGHT);
    mouse.buttonUp(BTN.RIGHT);
    mouse.click(BTN.MIDDLE);
    expect(syscalls.device(mouse.fd).events).toEqual([
      { type: EV.REL, code: REL.X, value: 5 },
      { type: EV.REL, code: REL.Y, value: -3 },
      syn,
      { type: EV.REL, code: REL.Y, value: 2 },
      syn,
      { type: EV.REL, code: REL.WHEEL, value: -1 },
      syn,
      { type: EV.KEY, code: BTN.RIGHT, value: 1 },
      syn,
      { type: EV.KEY, code: BTN.RIGHT, value: 0 },
      syn,
      { type: EV.KEY, code: BTN.MIDDLE, value: 1 },
      syn,
      { type: EV.KEY, code: BTN.MIDDLE, value: 0 },
      syn,
    ]);
    expect(() => mouse.keyPress(KEY.A)).toThrow(/mouse "m"/);
  });
});

describe('createTouchPad', () => {
  it('registers buttons, ABS_X/ABS_Y with their ranges in uinput_user_dev, and moves within them', () => {
    const syscalls = new RecordingSyscalls();
    const pad = createTouchPad('t', 0, 0xfff, 10, 20, { syscalls });
    expect(ioctls(syscalls, pad.fd)).toEqual([
      ['UI_SET_EVBIT', EV.KEY],
      ...[BTN.LEFT, BTN.RIGHT, BTN.MIDDLE, BTN.TOUCH].map((b) => ['UI_SET_KEYBIT', b]),
      ['UI_SET_EVBIT', EV.ABS],
      ['UI_SET_ABSBIT', ABS.X],
      ['UI_SET_ABSBIT', ABS.Y],
      ['UI_DEV_CREATE', 0],
    ]);
    const write = syscalls.callsOn(pad.fd).find((c) => c.call === 'write');
    const bytes = write?.call === 'write' ? write.bytes : Buffer.alloc(0);
    // absmax[] starts at 92, absmin[] at 92 + 256.
    expect([
      bytes.readInt32LE(92),
      bytes.readInt32LE(96),
      bytes.readInt32LE(348),
      bytes.readInt32LE(352),
    ]).toEqual([0xfff, 20, 0, 10]);
    expect(syscalls.device(pad.fd).userDev?.abs).toEqual({ [ABS.X]: [0, 0xfff], [ABS.Y]: [10, 20] });
    pad.moveTo(100, 15);
    pad.click(BTN.LEFT);
    expect(syscalls.device(pad.fd).events.slice(0, 3)).toEqual([
      { type: EV.ABS, code: ABS.X, value: 100 },
      { type: EV.ABS, code: ABS.Y, value: 15 },
      syn,
    ]);
    expect(() => pad.moveTo(100, 21)).toThrow(/y=21 is outside 10\.\.20/);
    expect(() => pad.wheel(1)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_EVENT' }));
    expect(() => createTouchPad('t', 5, 5, 0, 1, { syscalls })).toThrow(/minX < maxX/);
  });
});

describe('createTouchPad with an options object', () => {
  it('makes the same device as the positional form', () => {
    const named = new RecordingSyscalls();
    const positional = new RecordingSyscalls();
    const a = createTouchPad('t', { minX: 0, maxX: 0xfff, minY: 10, maxY: 20, syscalls: named });
    const b = createTouchPad('t', 0, 0xfff, 10, 20, { syscalls: positional });
    expect(named.callsOn(a.fd)).toEqual(positional.callsOn(b.fd));
    expect(named.device(a.fd).userDev?.abs).toEqual({ [ABS.X]: [0, 0xfff], [ABS.Y]: [10, 20] });
  });

  it('checks the ranges the same way', () => {
    const syscalls = new RecordingSyscalls();
    expect(() => createTouchPad('t', { minX: 0, maxX: 1, minY: 3, maxY: 3, syscalls })).toThrow(
      /minY < maxY/,
    );
    expect(() => createTouchPad('t', { minX: 0.5, maxX: 1, minY: 0, maxY: 1, syscalls })).toThrow(/minX/);
  });
});

describe('syscall failures', () => {
  it('reports a missing or unwritable /dev/uinput as UinputUnavailableError', () => {
    for (const errno of ['ENOENT', 'EACCES'] as const) {
      const syscalls = new RecordingSyscalls().fail({ call: 'open', errno });
      const error = captureError(() => createKeyboard('kb', { syscalls, uinputPath: '/x/uinput' }));
      expect(error).toBeInstanceOf(UinputUnavailableError);
      expect(error).toMatchObject({ code: 'UINPUT_UNAVAILABLE', errnoName: errno, path: '/x/uinput' });
      expect((error as Error).message).toMatch(/\/x\/uinput.*load the `uinput` kernel module.*root/);
    }
  });

  it('wraps a failed ioctl with the call, errno and device, and closes the fd', () => {
    const syscalls = new RecordingSyscalls().fail({ call: 'ioctl', request: UI.SET_RELBIT, errno: 'EINVAL' });
    const error = captureError(() => createMouse('m', { syscalls }));
    expect(error).toBeInstanceOf(UinputSyscallError);
    expect(error).toMatchObject({
      call: 'ioctl(UI_SET_RELBIT)',
      errnoName: 'EINVAL',
      errno: 22,
      device: '/dev/uinput',
      deviceName: 'm',
    });
    expect((error as Error).message).toBe(
      'ioctl(UI_SET_RELBIT) failed on /dev/uinput for uinput device "m": EINVAL (errno 22)',
    );
    expect(syscalls.openFds()).toEqual([]);
  });

  it('wraps a failed event write and a failed destroy (still closing the fd)', () => {
    const syscalls = new RecordingSyscalls();
    const keyboard = createKeyboard('kb', { syscalls });
    syscalls.fail({ call: 'write', fd: keyboard.fd, errno: 'EAGAIN' });
    expect(() => keyboard.keyDown(KEY.A)).toThrow(
      expect.objectContaining({ call: 'write(input_event)', errnoName: 'EAGAIN' }),
    );
    syscalls.fail({ call: 'ioctl', request: UI.DEV_DESTROY, errno: 'EIO' });
    expect(() => keyboard.close()).toThrow(expect.objectContaining({ call: 'ioctl(UI_DEV_DESTROY)' }));
    expect(syscalls.openFds()).toEqual([]);
    expect(() => keyboard.close()).not.toThrow();
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

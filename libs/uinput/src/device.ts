import { ABS, BUS, EV, REL, SYN, UI, ioctlName } from './constants';
import type { DeviceKind, ResolvedDeviceOptions } from './device-options';
import { openUinput } from './device-options';
import { findDeviceNode } from './device-node';
import type { InputEvent } from './encoding';
import { encodeInputEvents, encodeUserDev } from './encoding';
import { UinputError, UinputSyscallError } from './errors';
import { assertDeviceName, assertInt32 } from './validate';

export interface UinputDevice {
  readonly kind: DeviceKind;
  readonly name: string;
  readonly fd: number;
  /** The device's node, e.g. `/dev/input/event7`, found through `UI_GET_SYSNAME` and sysfs. */
  devicePath(): Promise<string>;
  keyDown(code: number): void;
  keyUp(code: number): void;
  keyPress(code: number): void;
  moveRelative(dx: number, dy: number): void;
  wheel(delta: number): void;
  buttonDown(button: number): void;
  buttonUp(button: number): void;
  click(button: number): void;
  moveTo(x: number, y: number): void;
  /** Destroys the device (`UI_DEV_DESTROY`) and closes its fd; later calls do nothing. */
  close(): void;
}

/** What a device registers with the kernel before `UI_DEV_CREATE`. */
export interface DeviceSpec {
  kind: DeviceKind;
  name: string;
  product: number;
  keys: readonly number[];
  rel: readonly number[];
  /** Absolute axis code -> [min, max]. */
  abs: Readonly<Record<number, readonly [number, number]>>;
}

// Same vendor id as the Go library the original service used, so host tooling sees the same ids.
const VENDOR = 0x4711;

export function createDevice(spec: DeviceSpec, options: ResolvedDeviceOptions): UinputDevice {
  assertDeviceName(spec.name);
  const fd = openUinput(options, spec.name);
  const check = (result: number, call: string): void => {
    if (result < 0) {
      throw new UinputSyscallError({
        call,
        errno: -result,
        device: options.uinputPath,
        deviceName: spec.name,
      });
    }
  };
  const ioctl = (request: number, arg: number): void =>
    check(options.syscalls.ioctl(fd, request, arg), `ioctl(${ioctlName(request)})`);
  try {
    const absAxes = Object.keys(spec.abs).map(Number);
    const groups: [number, number, readonly number[]][] = [
      [EV.KEY, UI.SET_KEYBIT, spec.keys],
      [EV.REL, UI.SET_RELBIT, spec.rel],
      [EV.ABS, UI.SET_ABSBIT, absAxes],
    ];
    for (const [type, request, codes] of groups) {
      if (codes.length === 0) continue;
      ioctl(UI.SET_EVBIT, type);
      for (const code of codes) ioctl(request, code);
    }
    const userDev = encodeUserDev({
      name: spec.name,
      id: { bustype: BUS.USB, vendor: VENDOR, product: spec.product, version: 1 },
      abs: spec.abs,
    });
    const written = options.syscalls.write(fd, userDev);
    check(written, 'write(uinput_user_dev)');
    if (written !== userDev.length) check(-5 /* EIO */, 'write(uinput_user_dev)');
    ioctl(UI.DEV_CREATE, 0);
  } catch (error) {
    options.syscalls.close(fd);
    throw error;
  }
  return new Device(spec, fd, options);
}

class Device implements UinputDevice {
  readonly kind: DeviceKind;
  readonly name: string;
  readonly fd: number;
  readonly #spec: DeviceSpec;
  readonly #options: ResolvedDeviceOptions;
  readonly #keys: ReadonlySet<number>;
  #closed = false;
  #path: string | undefined;

  constructor(spec: DeviceSpec, fd: number, options: ResolvedDeviceOptions) {
    this.kind = spec.kind;
    this.name = spec.name;
    this.fd = fd;
    this.#spec = spec;
    this.#options = options;
    this.#keys = new Set(spec.keys);
  }

  async devicePath(): Promise<string> {
    this.#assertOpen('devicePath');
    this.#path ??= await findDeviceNode(this.fd, this.name, this.#options);
    return this.#path;
  }

  keyDown(code: number): void {
    this.#emit([this.#key(code, 1)]);
  }

  keyUp(code: number): void {
    this.#emit([this.#key(code, 0)]);
  }

  keyPress(code: number): void {
    this.#emit([this.#key(code, 1)], [this.#key(code, 0)]);
  }

  buttonDown(button: number): void {
    this.keyDown(button);
  }

  buttonUp(button: number): void {
    this.keyUp(button);
  }

  click(button: number): void {
    this.keyPress(button);
  }

  moveRelative(dx: number, dy: number): void {
    assertInt32(dx, 'dx');
    assertInt32(dy, 'dy');
    this.#requireRel(REL.X, 'moveRelative');
    // The input core drops zero relative motion, so sending it would only cost a syscall.
    const events: InputEvent[] = [];
    if (dx !== 0) events.push({ type: EV.REL, code: REL.X, value: dx });
    if (dy !== 0) events.push({ type: EV.REL, code: REL.Y, value: dy });
    if (events.length > 0) this.#emit(events);
  }

  wheel(delta: number): void {
    assertInt32(delta, 'wheel delta');
    this.#requireRel(REL.WHEEL, 'wheel');
    if (delta !== 0) this.#emit([{ type: EV.REL, code: REL.WHEEL, value: delta }]);
  }

  moveTo(x: number, y: number): void {
    const axes: [number, number, string][] = [
      [ABS.X, x, 'x'],
      [ABS.Y, y, 'y'],
    ];
    for (const [axis, value, label] of axes) {
      assertInt32(value, label);
      const range = this.#spec.abs[axis];
      if (range === undefined) throw this.#unsupported('moveTo', 'has no absolute axes');
      if (value < range[0] || value > range[1]) {
        throw new UinputError(
          'INVALID_ARGUMENT',
          `${label}=${value} is outside ${range[0]}..${range[1]} of uinput device "${this.name}"`,
        );
      }
    }
    this.#emit([
      { type: EV.ABS, code: ABS.X, value: x },
      { type: EV.ABS, code: ABS.Y, value: y },
    ]);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const destroyed = this.#options.syscalls.ioctl(this.fd, UI.DEV_DESTROY, 0);
    // close() runs even if DESTROY failed: releasing the fd destroys the device in the kernel too.
    const closed = this.#options.syscalls.close(this.fd);
    if (destroyed < 0) throw this.#syscallError('ioctl(UI_DEV_DESTROY)', destroyed);
    if (closed < 0) throw this.#syscallError('close', closed);
  }

  #key(code: number, value: 0 | 1): InputEvent {
    assertInt32(code, 'key code');
    if (!this.#keys.has(code))
      throw this.#unsupported(`key ${code} (0x${code.toString(16)})`, 'did not register it');
    return { type: EV.KEY, code, value };
  }

  #requireRel(code: number, what: string): void {
    if (!this.#spec.rel.includes(code)) throw this.#unsupported(what, 'has no such relative axis');
  }

  /** Writes each group followed by SYN_REPORT, all in one write so a press is never half sent. */
  #emit(...groups: InputEvent[][]): void {
    this.#assertOpen('write');
    const events = groups.flatMap((group) => [...group, { type: EV.SYN, code: SYN.REPORT, value: 0 }]);
    const bytes = encodeInputEvents(events);
    const written = this.#options.syscalls.write(this.fd, bytes);
    if (written < 0) throw this.#syscallError('write(input_event)', written);
    if (written !== bytes.length) throw this.#syscallError('write(input_event)', -5 /* EIO: short write */);
  }

  #assertOpen(what: string): void {
    if (this.#closed) {
      throw new UinputError(
        'DEVICE_CLOSED',
        `${what} on closed uinput device "${this.name}" (fd ${this.fd}); create a new device`,
      );
    }
  }

  #unsupported(what: string, why: string): UinputError {
    return new UinputError(
      'UNSUPPORTED_EVENT',
      `cannot send ${what} on ${this.kind} "${this.name}": the device ${why}; use a device kind that sends it`,
    );
  }

  #syscallError(call: string, result: number): UinputSyscallError {
    return new UinputSyscallError({
      call,
      errno: -result,
      device: this.#options.uinputPath,
      deviceName: this.name,
    });
  }
}

import { constants as osConstants } from 'node:os';
import { LAYOUT, UI, ioctlName } from './constants';
import type { InputEvent, UserDev } from './encoding';
import { decodeInputEvents, decodeScmRights, decodeUserDev } from './encoding';
import type { UinputSyscalls } from './syscalls';

export type SyscallName = keyof UinputSyscalls;

export type RecordedCall =
  | { call: 'open'; path: string; flags: number; result: number }
  | { call: 'close'; fd: number; result: number }
  | { call: 'ioctl'; fd: number; request: number; requestName: string; arg: number; result: number }
  | { call: 'ioctlBuffer'; fd: number; request: number; requestName: string; bytes: Buffer; result: number }
  | { call: 'write'; fd: number; bytes: Buffer; userDev?: UserDev; events?: InputEvent[]; result: number }
  | { call: 'sendmsg'; fd: number; data: Buffer; fds?: number[]; flags: number; result: number }
  | { call: 'readdir'; path: string; result: string[] | number };

/** Which calls to fail: every matching call, or only the `nth` (1-based) one. */
export interface FailureRule {
  call: SyscallName;
  request?: number;
  path?: string;
  fd?: number;
  nth?: number;
  /** errno name or number, e.g. 'ENOTTY'. */
  errno: keyof typeof osConstants.errno | number;
}

/** What the fake kernel knows about one opened uinput fd. */
export interface FakeUinputDevice {
  readonly fd: number;
  readonly path: string;
  readonly evbits: Set<number>;
  readonly keybits: Set<number>;
  readonly relbits: Set<number>;
  readonly absbits: Set<number>;
  userDev?: UserDev;
  /** Set by UI_DEV_CREATE; `input<N>` as the kernel would name it. */
  sysname?: string;
  created: boolean;
  destroyed: boolean;
  closed: boolean;
  /** Every event written after UI_DEV_CREATE, SYN_REPORTs included. */
  readonly events: InputEvent[];
}

const errnoOf = (name: keyof typeof osConstants.errno): number => osConstants.errno[name];

/**
 * A fake of the syscall interface that behaves like a kernel with uinput loaded: it hands out fake
 * fds (from 1000), checks the order uinput needs (bits before create, create before events),
 * records every call with decoded arguments, and answers sysfs lookups for the devices it made.
 */
export class RecordingSyscalls implements UinputSyscalls {
  readonly calls: RecordedCall[] = [];
  readonly #devices = new Map<number, FakeUinputDevice>();
  readonly #rules: (FailureRule & { seen: number })[] = [];
  #nextFd = 1000;
  #nextInput = 100;

  /** Makes matching calls fail with `errno` (see FailureRule). */
  fail(rule: FailureRule): this {
    this.#rules.push({ ...rule, seen: 0 });
    return this;
  }

  /** Every uinput fd ever opened, in order. */
  devices(): FakeUinputDevice[] {
    return [...this.#devices.values()];
  }

  device(fd: number): FakeUinputDevice {
    const device = this.#devices.get(fd);
    if (device === undefined) throw new Error(`fake fd ${fd} was never opened`);
    return device;
  }

  /** Fds opened and not yet closed. */
  openFds(): number[] {
    return this.devices()
      .filter((device) => !device.closed)
      .map((device) => device.fd);
  }

  callsOn(fd: number): RecordedCall[] {
    return this.calls.filter((call) => 'fd' in call && call.fd === fd);
  }

  open(path: string, flags: number): number {
    const failed = this.#failure({ call: 'open', path });
    const fd = failed ?? this.#nextFd++;
    if (failed === undefined) this.#devices.set(fd, newDevice(fd, path));
    return this.#record({ call: 'open', path, flags, result: fd });
  }

  close(fd: number): number {
    const failed = this.#failure({ call: 'close', fd });
    if (failed !== undefined) return this.#record({ call: 'close', fd, result: failed });
    const device = this.#live(fd);
    if (typeof device === 'number') return this.#record({ call: 'close', fd, result: device });
    device.closed = true;
    // Releasing the fd destroys a created device, as uinput_release() does.
    if (device.created) [device.created, device.destroyed] = [false, true];
    return this.#record({ call: 'close', fd, result: 0 });
  }

  ioctl(fd: number, request: number, arg: number): number {
    const result = this.#failure({ call: 'ioctl', fd, request }) ?? this.#ioctl(fd, request, arg);
    return this.#record({ call: 'ioctl', fd, request, requestName: ioctlName(request), arg, result });
  }

  ioctlBuffer(fd: number, request: number, buffer: Buffer): number {
    let result = this.#failure({ call: 'ioctlBuffer', fd, request });
    if (result === undefined) {
      const device = this.#live(fd);
      if (typeof device === 'number') result = device;
      else if (request !== UI.GET_SYSNAME(buffer.length)) result = -errnoOf('ENOTTY');
      else if (device.sysname === undefined) result = -errnoOf('ENOENT');
      else if (device.sysname.length + 1 > buffer.length) result = -errnoOf('EINVAL');
      else {
        buffer.fill(0);
        buffer.write(device.sysname, 'utf8');
        result = device.sysname.length + 1;
      }
    }
    const requestName = ioctlName(request);
    return this.#record({
      call: 'ioctlBuffer',
      fd,
      request,
      requestName,
      bytes: Buffer.from(buffer),
      result,
    });
  }

  write(fd: number, data: Buffer): number {
    const bytes = Buffer.from(data);
    const failed = this.#failure({ call: 'write', fd });
    if (failed !== undefined) return this.#record({ call: 'write', fd, bytes, result: failed });
    const device = this.#live(fd);
    if (typeof device === 'number') return this.#record({ call: 'write', fd, bytes, result: device });
    if (!device.created) {
      if (bytes.length !== LAYOUT.UINPUT_USER_DEV_SIZE)
        return this.#record({ call: 'write', fd, bytes, result: -errnoOf('EINVAL') });
      const { name, id, abs } = decodeUserDev(bytes);
      device.userDev = { name, id, abs };
      return this.#record({ call: 'write', fd, bytes, userDev: device.userDev, result: bytes.length });
    }
    if (bytes.length === 0 || bytes.length % LAYOUT.INPUT_EVENT_SIZE !== 0) {
      return this.#record({ call: 'write', fd, bytes, result: -errnoOf('EINVAL') });
    }
    const events = decodeInputEvents(bytes);
    device.events.push(...events);
    return this.#record({ call: 'write', fd, bytes, events, result: bytes.length });
  }

  sendmsg(fd: number, data: Buffer, control: Buffer, flags: number): number {
    const result = this.#failure({ call: 'sendmsg', fd }) ?? data.length;
    const fds = decodeScmRights(control);
    return this.#record({ call: 'sendmsg', fd, data: Buffer.from(data), fds, flags, result });
  }

  async readdir(path: string): Promise<string[] | number> {
    const failed = this.#failure({ call: 'readdir', path });
    const sysname = /\/devices\/virtual\/input\/([^/]+)$/.exec(path)?.[1];
    const device = this.devices().find((d) => d.created && d.sysname !== undefined && d.sysname === sysname);
    const number = device?.sysname?.replace('input', '');
    const result =
      failed ??
      (device ? ['capabilities', `event${number}`, 'id', 'name', 'phys', 'uevent'] : -errnoOf('ENOENT'));
    this.#record({ call: 'readdir', path, result });
    return result;
  }

  #ioctl(fd: number, request: number, arg: number): number {
    const device = this.#live(fd);
    if (typeof device === 'number') return device;
    const bits: Record<number, Set<number>> = {
      [UI.SET_EVBIT]: device.evbits,
      [UI.SET_KEYBIT]: device.keybits,
      [UI.SET_RELBIT]: device.relbits,
      [UI.SET_ABSBIT]: device.absbits,
    };
    const set = bits[request];
    if (set !== undefined) {
      if (device.created) return -errnoOf('EINVAL');
      set.add(arg);
      return 0;
    }
    if (request === UI.DEV_CREATE) {
      if (device.created || device.userDev === undefined) return -errnoOf('EINVAL');
      device.created = true;
      device.sysname = `input${this.#nextInput++}`;
      return 0;
    }
    if (request === UI.DEV_DESTROY) {
      if (!device.created) return -errnoOf('EINVAL');
      [device.created, device.destroyed] = [false, true];
      return 0;
    }
    return -errnoOf('ENOTTY');
  }

  #live(fd: number): FakeUinputDevice | number {
    const device = this.#devices.get(fd);
    return device === undefined || device.closed ? -errnoOf('EBADF') : device;
  }

  #failure(call: { call: SyscallName; fd?: number; request?: number; path?: string }): number | undefined {
    for (const rule of this.#rules) {
      if (rule.call !== call.call) continue;
      if (rule.request !== undefined && rule.request !== call.request) continue;
      if (rule.path !== undefined && rule.path !== call.path) continue;
      if (rule.fd !== undefined && rule.fd !== call.fd) continue;
      rule.seen++;
      if (rule.nth !== undefined && rule.nth !== rule.seen) continue;
      return -(typeof rule.errno === 'number' ? rule.errno : errnoOf(rule.errno));
    }
    return undefined;
  }

  #record<T extends RecordedCall>(call: T): T['result'] {
    this.calls.push(call);
    return call.result;
  }
}

function newDevice(fd: number, path: string): FakeUinputDevice {
  return {
    fd,
    path,
    evbits: new Set(),
    keybits: new Set(),
    relbits: new Set(),
    absbits: new Set(),
    created: false,
    destroyed: false,
    closed: false,
    events: [],
  };
}

import { LAYOUT, SOCKET } from './constants';

/** One `struct input_event`; the timestamp is left zero, the kernel stamps events from uinput. */
export interface InputEvent {
  type: number;
  code: number;
  value: number;
}

/** The fields of `struct uinput_user_dev` this library sets. */
export interface UserDev {
  name: string;
  id: { bustype: number; vendor: number; product: number; version: number };
  /** Per absolute axis code: [min, max]. */
  abs: Record<number, readonly [number, number]>;
}

// struct input_event { struct timeval time (16); __u16 type; __u16 code; __s32 value; }
const EVENT_TYPE_OFFSET = LAYOUT.INPUT_EVENT_TYPE_OFFSET;

export function encodeInputEvents(events: readonly InputEvent[]): Buffer {
  const buffer = Buffer.alloc(events.length * LAYOUT.INPUT_EVENT_SIZE);
  events.forEach((event, i) => {
    const at = i * LAYOUT.INPUT_EVENT_SIZE + EVENT_TYPE_OFFSET;
    buffer.writeUInt16LE(event.type, at);
    buffer.writeUInt16LE(event.code, at + 2);
    buffer.writeInt32LE(event.value, at + 4);
  });
  return buffer;
}

export function decodeInputEvents(buffer: Buffer): InputEvent[] {
  if (buffer.length % LAYOUT.INPUT_EVENT_SIZE !== 0) {
    throw new RangeError(
      `${buffer.length} bytes is not a whole number of ${LAYOUT.INPUT_EVENT_SIZE}-byte input_events`,
    );
  }
  const events: InputEvent[] = [];
  for (let at = 0; at < buffer.length; at += LAYOUT.INPUT_EVENT_SIZE) {
    events.push({
      type: buffer.readUInt16LE(at + EVENT_TYPE_OFFSET),
      code: buffer.readUInt16LE(at + EVENT_TYPE_OFFSET + 2),
      value: buffer.readInt32LE(at + EVENT_TYPE_OFFSET + 4),
    });
  }
  return events;
}

// struct uinput_user_dev { char name[80]; struct input_id id (4 x u16); __u32 ff_effects_max;
//   __s32 absmax[64]; __s32 absmin[64]; __s32 absfuzz[64]; __s32 absflat[64]; }
const ID_OFFSET = LAYOUT.USER_DEV_ID_OFFSET;
const ABSMAX_OFFSET = LAYOUT.USER_DEV_ABSMAX_OFFSET;
const ABSMIN_OFFSET = LAYOUT.USER_DEV_ABSMIN_OFFSET;

export function encodeUserDev(dev: UserDev): Buffer {
  const buffer = Buffer.alloc(LAYOUT.UINPUT_USER_DEV_SIZE);
  const name = Buffer.from(dev.name, 'utf8');
  if (name.length >= LAYOUT.UINPUT_MAX_NAME_SIZE)
    throw new RangeError(`device name "${dev.name}" is too long`);
  name.copy(buffer, 0);
  buffer.writeUInt16LE(dev.id.bustype, ID_OFFSET);
  buffer.writeUInt16LE(dev.id.vendor, ID_OFFSET + 2);
  buffer.writeUInt16LE(dev.id.product, ID_OFFSET + 4);
  buffer.writeUInt16LE(dev.id.version, ID_OFFSET + 6);
  for (const [axis, [min, max]] of Object.entries(dev.abs)) {
    buffer.writeInt32LE(max, ABSMAX_OFFSET + 4 * Number(axis));
    buffer.writeInt32LE(min, ABSMIN_OFFSET + 4 * Number(axis));
  }
  return buffer;
}

export function decodeUserDev(
  buffer: Buffer,
): UserDev & { ffEffectsMax: number; fuzzAndFlatAllZero: boolean } {
  if (buffer.length !== LAYOUT.UINPUT_USER_DEV_SIZE) {
    throw new RangeError(`uinput_user_dev is ${LAYOUT.UINPUT_USER_DEV_SIZE} bytes, got ${buffer.length}`);
  }
  const nameEnd = buffer.indexOf(0);
  const abs: Record<number, [number, number]> = {};
  for (let axis = 0; axis < LAYOUT.ABS_CNT; axis++) {
    const max = buffer.readInt32LE(ABSMAX_OFFSET + 4 * axis);
    const min = buffer.readInt32LE(ABSMIN_OFFSET + 4 * axis);
    if (min !== 0 || max !== 0) abs[axis] = [min, max];
  }
  return {
    name: buffer.subarray(0, nameEnd < 0 ? LAYOUT.UINPUT_MAX_NAME_SIZE : nameEnd).toString('utf8'),
    id: {
      bustype: buffer.readUInt16LE(ID_OFFSET),
      vendor: buffer.readUInt16LE(ID_OFFSET + 2),
      product: buffer.readUInt16LE(ID_OFFSET + 4),
      version: buffer.readUInt16LE(ID_OFFSET + 6),
    },
    ffEffectsMax: buffer.readUInt32LE(LAYOUT.USER_DEV_FF_EFFECTS_MAX_OFFSET),
    abs,
    fuzzAndFlatAllZero: buffer.subarray(LAYOUT.USER_DEV_ABSFUZZ_OFFSET).every((byte) => byte === 0),
  };
}

/** One `SCM_RIGHTS` control message carrying `fds`: CMSG_SPACE(4 * n) bytes. */
export function encodeScmRights(fds: readonly number[]): Buffer {
  const dataLength = 4 * fds.length;
  const space = LAYOUT.CMSG_HEADER_SIZE + Math.ceil(dataLength / 8) * 8;
  const buffer = Buffer.alloc(space);
  buffer.writeBigUInt64LE(BigInt(LAYOUT.CMSG_HEADER_SIZE + dataLength), 0); // cmsg_len = CMSG_LEN
  buffer.writeInt32LE(SOCKET.SOL_SOCKET, 8);
  buffer.writeInt32LE(SOCKET.SCM_RIGHTS, 12);
  fds.forEach((fd, i) => buffer.writeInt32LE(fd, LAYOUT.CMSG_HEADER_SIZE + 4 * i));
  return buffer;
}

/** The fds of a single `SCM_RIGHTS` control message, or `undefined` if it is not one. */
export function decodeScmRights(buffer: Buffer): number[] | undefined {
  if (buffer.length < LAYOUT.CMSG_HEADER_SIZE) return undefined;
  const length = Number(buffer.readBigUInt64LE(0));
  if (buffer.readInt32LE(8) !== SOCKET.SOL_SOCKET || buffer.readInt32LE(12) !== SOCKET.SCM_RIGHTS)
    return undefined;
  if (length > buffer.length || (length - LAYOUT.CMSG_HEADER_SIZE) % 4 !== 0) return undefined;
  const fds: number[] = [];
  for (let at = LAYOUT.CMSG_HEADER_SIZE; at < length; at += 4) fds.push(buffer.readInt32LE(at));
  return fds;
}

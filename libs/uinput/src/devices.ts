import { ABS, BTN, REL } from './constants';
import type { UinputDevice } from './device';
import { createDevice } from './device';
import type { DeviceOptions } from './device-options';
import { resolveDeviceOptions } from './device-options';
import { UinputError } from './errors';
import { KEY } from './key-codes';
import { assertInt32 } from './validate';

// Product ids as the Go uinput library the original service used had them.
const PRODUCT = { keyboard: 0x0815, mouse: 0x0816, touchpad: 0x0817 } as const;

/** Every key code the keyboard registers, in ascending order. */
export const KEYBOARD_KEYS: readonly number[] = Object.values(KEY).sort((a, b) => a - b);
export const MOUSE_BUTTONS: readonly number[] = [BTN.LEFT, BTN.RIGHT, BTN.MIDDLE, BTN.SIDE, BTN.EXTRA];
export const MOUSE_AXES: readonly number[] = [REL.X, REL.Y, REL.HWHEEL, REL.WHEEL];
export const TOUCHPAD_BUTTONS: readonly number[] = [BTN.LEFT, BTN.RIGHT, BTN.MIDDLE, BTN.TOUCH];

/** A keyboard that sends every KEY_* code from KEY_ESC to KEY_MICMUTE. */
export function createKeyboard(name: string, options?: DeviceOptions): UinputDevice {
  return createDevice(
    { kind: 'keyboard', name, product: PRODUCT.keyboard, keys: KEYBOARD_KEYS, rel: [], abs: {} },
    resolveDeviceOptions(options),
  );
}

/** A relative mouse: X/Y motion, vertical and horizontal wheel, left/right/middle/side/extra. */
export function createMouse(name: string, options?: DeviceOptions): UinputDevice {
  return createDevice(
    { kind: 'mouse', name, product: PRODUCT.mouse, keys: MOUSE_BUTTONS, rel: MOUSE_AXES, abs: {} },
    resolveDeviceOptions(options),
  );
}

/** The axis ranges of a touchpad, plus where its device comes from. */
export interface TouchPadOptions extends DeviceOptions {
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
}

/** An absolute pointer: ABS_X in minX..maxX, ABS_Y in minY..maxY, touch and three buttons. */
export function createTouchPad(name: string, options: TouchPadOptions): UinputDevice;
/** @deprecated Pass the ranges by name: `createTouchPad(name, { minX, maxX, minY, maxY, ...options })`. */
export function createTouchPad(
  name: string,
  minX: number,
  maxX: number,
  minY: number,
  maxY: number,
  options?: DeviceOptions,
): UinputDevice;
export function createTouchPad(
  name: string,
  first: TouchPadOptions | number,
  ...rest: [number?, number?, number?, DeviceOptions?]
): UinputDevice {
  if (typeof first === 'number') {
    const [maxX, minY, maxY, options] = rest;
    return makeTouchPad(name, {
      ...options,
      minX: first,
      maxX: maxX as number,
      minY: minY as number,
      maxY: maxY as number,
    });
  }
  return makeTouchPad(name, first);
}

function makeTouchPad(name: string, { minX, maxX, minY, maxY, ...options }: TouchPadOptions): UinputDevice {
  for (const [label, value] of Object.entries({ minX, maxX, minY, maxY })) assertInt32(value, label);
  if (minX >= maxX || minY >= maxY) {
    throw new UinputError(
      'INVALID_ARGUMENT',
      `touchpad "${name}" needs minX < maxX and minY < maxY, got x ${minX}..${maxX}, y ${minY}..${maxY}`,
    );
  }
  return createDevice(
    {
      kind: 'touchpad',
      name,
      product: PRODUCT.touchpad,
      keys: TOUCHPAD_BUTTONS,
      rel: [],
      abs: { [ABS.X]: [minX, maxX], [ABS.Y]: [minY, maxY] },
    },
    resolveDeviceOptions(options),
  );
}

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { ABS, BTN, EV, KEY, REL, SYN, createKeyboard, createMouse, createTouchPad } from '../src/index';
import type { UinputDevice } from '../src/index';
import { EvdevReader, describeNode } from '../../../tools/testing/src/evdev';
import { waitUntil } from '../../../tools/testing/src/poll';
import type { Ev } from '../../../tools/testing/src/evdev';

const SYN_REPORT: Ev = [EV.SYN, SYN.REPORT, 0];

/** Finds `device`'s node, checks the kernel made it for this device, and reads from it. */
async function withDevice<D extends UinputDevice>(
  device: D,
  body: (device: D, reader: EvdevReader) => Promise<void>,
): Promise<void> {
  let reader: EvdevReader | undefined;
  try {
    const path = await device.devicePath();
    assert.match(path, /^\/dev\/input\/event\d+$/);
    assert.deepEqual(describeNode(path), { isCharDevice: true, major: 13, name: device.name });
    reader = new EvdevReader(path);
    await body(device, reader);
  } finally {
    reader?.close();
    device.close();
  }
}

describe('devices on a real /dev/uinput', () => {
  it('a keyboard: presses and held keys read back from its node', async () => {
    await withDevice(createKeyboard('Fractal Kernel Test Keyboard'), async (keyboard, reader) => {
      keyboard.keyPress(KEY.A);
      keyboard.keyDown(KEY.LEFTSHIFT);
      keyboard.keyPress(KEY.MICMUTE);
      keyboard.keyUp(KEY.LEFTSHIFT);
      // prettier-ignore
      assert.deepEqual(await reader.read(12), [
        [EV.KEY, KEY.A, 1], SYN_REPORT, [EV.KEY, KEY.A, 0], SYN_REPORT,
        [EV.KEY, KEY.LEFTSHIFT, 1], SYN_REPORT,
        [EV.KEY, KEY.MICMUTE, 1], SYN_REPORT, [EV.KEY, KEY.MICMUTE, 0], SYN_REPORT,
        [EV.KEY, KEY.LEFTSHIFT, 0], SYN_REPORT,
      ]);
    });
  });

  it('a mouse: motion, wheel and clicks read back from its node', async () => {
    await withDevice(createMouse('Fractal Kernel Test Mouse'), async (mouse, reader) => {
      mouse.moveRelative(7, -3);
      mouse.moveRelative(0, 4);
      mouse.wheel(-1);
      mouse.click(BTN.RIGHT);
      // prettier-ignore
      assert.deepEqual(await reader.read(11), [
        [EV.REL, REL.X, 7], [EV.REL, REL.Y, -3], SYN_REPORT,
        [EV.REL, REL.Y, 4], SYN_REPORT,
        [EV.REL, REL.WHEEL, -1], SYN_REPORT,
        [EV.KEY, BTN.RIGHT, 1], SYN_REPORT, [EV.KEY, BTN.RIGHT, 0], SYN_REPORT,
      ]);
      assert.throws(() => mouse.keyPress(KEY.A), { code: 'UNSUPPORTED_EVENT' });
    });
  });

  it('a touch pad: absolute positions within its ranges read back from its node', async () => {
    const pad = createTouchPad('Fractal Kernel Test Pad', 0, 1000, 0, 500);
    await withDevice(pad, async (touchPad, reader) => {
      touchPad.moveTo(250, 400);
      touchPad.moveTo(1000, 0);
      touchPad.click(BTN.LEFT);
      // prettier-ignore
      assert.deepEqual(await reader.read(10), [
        [EV.ABS, ABS.X, 250], [EV.ABS, ABS.Y, 400], SYN_REPORT,
        [EV.ABS, ABS.X, 1000], [EV.ABS, ABS.Y, 0], SYN_REPORT,
        [EV.KEY, BTN.LEFT, 1], SYN_REPORT, [EV.KEY, BTN.LEFT, 0], SYN_REPORT,
      ]);
      assert.throws(() => touchPad.moveTo(1001, 0), { code: 'INVALID_ARGUMENT' });
    });
  });

  it('close() destroys the device: node and sysfs entry go, readers get ENODEV', async () => {
    const keyboard = createKeyboard('Fractal Kernel Test Closing');
    const path = await keyboard.devicePath();
    const sysfs = `/sys/class/input/${basename(path)}`;
    const reader = new EvdevReader(path);
    try {
      keyboard.close();
      await waitUntil(`${path} to go`, () => !existsSync(path) && !existsSync(sysfs));
      assert.equal(reader.readErrorCode(), 'ENODEV');
      keyboard.close(); // a second close does nothing
      assert.throws(() => keyboard.keyPress(KEY.A), { code: 'DEVICE_CLOSED' });
    } finally {
      reader.close();
    }
  });

  it('the node lookup names sysfs it cannot list, for a real device', async () => {
    const emptySysfs = mkdtempSync(join(tmpdir(), 'no-sysfs-'));
    const keyboard = createKeyboard('Fractal Kernel Test Lookup', { sysfsRoot: emptySysfs });
    try {
      await assert.rejects(keyboard.devicePath(), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'DEVICE_NODE_NOT_FOUND');
        assert.match(error.message, new RegExp(`cannot list ${emptySysfs}/devices/virtual/input/input\\d+`));
        return true;
      });
    } finally {
      keyboard.close();
    }
  });
});

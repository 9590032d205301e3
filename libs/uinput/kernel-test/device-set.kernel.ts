import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  ABS,
  ABSOLUTE_AXIS_MAX,
  BTN,
  DEVICE_SET_NAMES,
  EV,
  KEY,
  REL,
  SYN,
  allocateDeviceSet,
  sendFds,
} from '../src/index';
import { EvdevReader, describeNode } from '../../../tools/testing/src/evdev';
import { waitUntil } from '../../../tools/testing/src/poll';
import type { Ev } from '../../../tools/testing/src/evdev';

const SYN_REPORT: Ev = [EV.SYN, SYN.REPORT, 0];

// The protocol's side: connect, receive [absolute, relative, keyboard] in one SCM_RIGHTS message,
// write a touch, a mouse move and a key press through them (struct input_event, zero timestamps).
const RECEIVER = `
import os, socket, struct, sys, time
path = sys.argv[1]
deadline = time.time() + 30
while True:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        break
    except (FileNotFoundError, ConnectionRefusedError):
        s.close()
        if time.time() > deadline:
            sys.exit("no listener on " + path)
        time.sleep(0.02)
msg, fds, flags, addr = socket.recv_fds(s, 16, 16)
ev = lambda t, c, v: struct.pack("<qqHHi", 0, 0, t, c, v)
syn = ev(0, 0, 0)
absolute, relative, keyboard = fds
os.write(absolute, ev(3, 0, 4095) + ev(3, 1, 17) + syn)
os.write(relative, ev(2, 0, -12) + ev(2, 1, 9) + syn + ev(1, 0x110, 1) + syn)
os.write(keyboard, ev(1, 48, 1) + syn + ev(1, 48, 0) + syn)
print(len(fds), msg.hex())
`;

function runReceiver(socketPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', RECEIVER, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`receiver exited ${code}: ${out}`)),
    );
  });
}

describe('a device set on a real /dev/uinput', () => {
  it('allocateDeviceSet makes the three nodes, in order, and close() removes them', async () => {
    const set = await allocateDeviceSet();
    const paths = set.dockerDevices.map((d) => d.PathOnHost);
    try {
      assert.equal(new Set(paths).size, 3);
      assert.deepEqual(
        paths.map((p) => describeNode(p)),
        [DEVICE_SET_NAMES.absolute, DEVICE_SET_NAMES.relative, DEVICE_SET_NAMES.keyboard].map((name) => ({
          isCharDevice: true,
          major: 13,
          name,
        })),
      );
      assert.deepEqual(set.fds, [set.absolute.fd, set.relative.fd, set.keyboard.fd]);
      for (const d of set.dockerDevices) assert.equal(d.PathInContainer, d.PathOnHost);
    } finally {
      set.close();
    }
    await waitUntil('the three nodes to go', () => paths.every((p) => !existsSync(p)));
  });

  it('sendFds hands the fds to a receiver whose writes arrive at the matching nodes', async () => {
    const set = await allocateDeviceSet();
    const [absolute, relative, keyboard] = set.dockerDevices.map((d) => new EvdevReader(d.PathOnHost)) as [
      EvdevReader,
      EvdevReader,
      EvdevReader,
    ];
    const readers = [absolute, relative, keyboard];
    try {
      const socketPath = join(mkdtempSync(join(tmpdir(), 'uinput-send-')), 'sockets', 'uinput.sock');
      const [received] = await Promise.all([runReceiver(socketPath), sendFds(socketPath, set.fds)]);
      assert.equal(received, '3 00');
      assert.deepEqual(readdirSync(join(socketPath, '..')), []);
      // prettier-ignore
      assert.deepEqual(await absolute.read(3), [[EV.ABS, ABS.X, ABSOLUTE_AXIS_MAX], [EV.ABS, ABS.Y, 17], SYN_REPORT]);
      // prettier-ignore
      assert.deepEqual(await relative.read(5), [
        [EV.REL, REL.X, -12], [EV.REL, REL.Y, 9], SYN_REPORT, [EV.KEY, BTN.LEFT, 1], SYN_REPORT,
      ]);
      // prettier-ignore
      assert.deepEqual(await keyboard.read(4), [[EV.KEY, KEY.B, 1], SYN_REPORT, [EV.KEY, KEY.B, 0], SYN_REPORT]);
      // The receiver's copies are closed now; the host's fds keep the devices alive.
      assert.ok(set.dockerDevices.every((d) => existsSync(d.PathOnHost)));
      set.keyboard.keyPress(KEY.ENTER);
      assert.deepEqual(await keyboard.read(2), [[EV.KEY, KEY.ENTER, 1], SYN_REPORT]);
    } finally {
      for (const r of readers) r.close();
      set.close();
    }
  });
});

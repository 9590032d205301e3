import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KEY, UinputUnavailableError, allocateDeviceSet, createKeyboard } from '../src/index';
import { EvdevReader } from '../../../tools/testing/src/evdev';
import { waitUntil } from '../../../tools/testing/src/poll';

const MODULES = process.env.FRACTAL_VM_MODULES ?? '/run/vm-modules';

function modprobe(tool: 'rmmod' | 'insmod', ...args: string[]): { status: number | null; stderr: string } {
  const run = spawnSync(tool, args, { encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr };
}

describe('error paths on a real kernel', () => {
  it('the module cannot be unloaded while a device holds it; the device keeps working', async () => {
    const keyboard = createKeyboard('Fractal Kernel Test Busy');
    const reader = new EvdevReader(await keyboard.devicePath());
    try {
      const rmmod = modprobe('rmmod', 'uinput');
      assert.notEqual(rmmod.status, 0);
      assert.match(rmmod.stderr, /in use/i);
      keyboard.keyPress(KEY.Z);
      assert.equal((await reader.read(4)).length, 4);
    } finally {
      reader.close();
      keyboard.close();
    }
  });

  it('without the uinput module: UinputUnavailableError (ENOENT), nothing left open; works after insmod', async () => {
    const fds = (): number => readdirSync('/proc/self/fd').length;
    assert.equal(modprobe('rmmod', 'uinput').status, 0);
    try {
      await waitUntil('/dev/uinput to go', () => !existsSync('/dev/uinput'));
      const before = fds();
      assert.throws(
        () => createKeyboard('Fractal Kernel Test Unloaded'),
        (error: Error & { code?: string }) => {
          assert.ok(error instanceof UinputUnavailableError);
          assert.equal(error.code, 'UINPUT_UNAVAILABLE');
          assert.match(error.message, /cannot open \/dev\/uinput for writing \(ENOENT\).*modprobe uinput/);
          return true;
        },
      );
      await assert.rejects(allocateDeviceSet(), UinputUnavailableError);
      assert.equal(fds(), before);
    } finally {
      const insmod = modprobe('insmod', join(MODULES, 'uinput.ko'));
      assert.equal(insmod.status, 0, insmod.stderr);
    }
    await waitUntil('/dev/uinput to come back', () => existsSync('/dev/uinput'));
    const set = await allocateDeviceSet();
    set.close();
  });

  it('a non-root process gets UinputUnavailableError (EACCES): the node is root 0600 without udev', () => {
    const library = join(__dirname, '..', 'src', 'index.js');
    const probe = `
      const { createKeyboard } = require(${JSON.stringify(library)});
      try { createKeyboard('Fractal Kernel Test Non-root').close(); console.log('created'); }
      catch (e) { console.log(e.name + ' ' + e.code + ' ' + e.message); }`;
    // cwd '/': the run's work dir is root 0700, and node looks for a package.json from the cwd up.
    const out = execFileSync(process.execPath, ['-e', probe], {
      uid: 1000,
      gid: 1000,
      cwd: '/',
      encoding: 'utf8',
    });
    assert.match(
      out,
      /^UinputUnavailableError UINPUT_UNAVAILABLE cannot open \/dev\/uinput for writing \(EACCES\)/,
    );
  });
});

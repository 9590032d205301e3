import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Daemon, docker, freePort, putJson } from './daemon';
import { EvdevReader, containsSequence, nodeName } from '../../../tools/testing/src/evdev';
import type { Ev } from '../../../tools/testing/src/evdev';
import { waitUntil } from '../../../tools/testing/src/poll';

const REPO = process.env.FRACTAL_REPO ?? process.cwd();
const IMAGE = process.env.UINPUT_CLIENT_IMAGE ?? 'fractal/uinput-client:test';
const [EV_SYN, EV_KEY, EV_REL, KEY_A, REL_X, REL_Y] = [0, 1, 2, 30, 0, 1];
const SYN: Ev = [EV_SYN, 0, 0];
const NAMES = [
  'Fractal Virtual Absolute Input',
  'Fractal Virtual Relative Input',
  'Fractal Virtual Keyboard',
];

const started = Date.now();
/** Progress on the console: where the time goes under TCG. */
function step(what: string): void {
  process.stdout.write(`kernel-e2e: [+${((Date.now() - started) / 1000).toFixed(1)} s] ${what}\n`);
}

function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  return waitUntil(what, check, timeoutMs, 100);
}

interface Inspect {
  State: { Running: boolean };
  HostConfig: {
    Devices: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[] | null;
  };
}

// node:test's describe() and it() return promises its runner already awaits.
void describe('the input path on a real kernel: daemon, Docker, container, uinput', () => {
  const root = mkdtempSync(join(tmpdir(), 'kernel-e2e-'));
  let daemon: Daemon | undefined;
  let containerId: string | undefined;
  const readers: EvdevReader[] = [];

  after(async () => {
    for (const r of readers) r.close();
    if (containerId !== undefined) await docker('rm', '-f', containerId).catch(() => '');
    await daemon?.stop('SIGKILL');
  });

  void it('a container spun up through the API writes a key press and a mouse move; docker kill destroys the devices', async () => {
    try {
      await scenario();
    } catch (error) {
      process.stderr.write(`--- daemon output\n${daemon?.output() ?? '(not started)'}\n`);
      throw error;
    }
  });

  async function scenario(): Promise<void> {
    const port = await freePort();
    daemon = new Daemon(join(REPO, 'dist', 'apps', 'host-service', 'main.js'), {
      APP_ENV: 'localdev',
      UINPUT: 'required',
      HOST_SERVICE_PORT: String(port),
      HOST_SERVICE_HOST: '127.0.0.1',
      FRACTAL_DIR: join(root, 'fractal'),
      FRACTAL_PRIVATE_DIR: join(root, 'private'),
      LOG_LEVEL: 'info',
    });
    await daemon.waitForHttps(port, 120_000);
    step('daemon serves HTTPS');
    const warm = process.env.KERNEL_E2E_WARM_MARKER;
    if (warm !== undefined) await waitFor('the engine warm-up (guest.sh)', () => existsSync(warm), 120_000);

    const spun = await putJson(port, '/spin_up_container', {
      auth_secret: 'testwebserverauthsecretdev',
      app_name: 'kernel-e2e',
      app_image: IMAGE,
      mount_command: '',
      protocol_timeout: 60,
    });
    assert.equal(spun.status, 200, JSON.stringify(spun.body));
    containerId = (spun.body as { result: string }).result;
    step(`container ${containerId.slice(0, 12)} spun up`);
    const [info] = JSON.parse(await docker('inspect', containerId)) as Inspect[];
    const devices = info?.HostConfig.Devices ?? [];
    assert.deepEqual(
      devices.map((d) => [nodeName(d.PathOnHost), d.PathInContainer === d.PathOnHost, d.CgroupPermissions]),
      NAMES.map((name) => [name, true, 'rwm']),
    );
    const paths = devices.map((d) => d.PathOnHost);
    const [, relative, keyboard] = paths.map((p) => new EvdevReader(p));
    readers.push(...[relative, keyboard].filter((r): r is EvdevReader => r !== undefined));
    assert.ok(relative && keyboard);

    // The client in the container repeats its writes every 100 ms until the devices go.
    await keyboard.until(
      'key press',
      (e) => containsSequence(e, [[EV_KEY, KEY_A, 1], SYN, [EV_KEY, KEY_A, 0], SYN]),
      60_000,
    );
    await relative.until(
      'mouse move',
      (e) => containsSequence(e, [[EV_REL, REL_X, 5], [EV_REL, REL_Y, -3], SYN]),
      10_000,
    );
    assert.match(await docker('logs', containerId), /uinput-client: received 3 fds/);
    step('key press and mouse move read from the device nodes');

    await docker('kill', containerId);
    await waitFor(
      'the device nodes to go after docker kill',
      () => paths.every((p) => !existsSync(p)),
      15_000,
    );
    step('docker kill destroyed the devices');
    assert.equal(keyboard.readErrorCode(), 'ENODEV');
    assert.equal(relative.readErrorCode(), 'ENODEV');

    assert.equal(await daemon.stop('SIGTERM'), 0, 'the daemon exits 0 on SIGTERM');
  }
});

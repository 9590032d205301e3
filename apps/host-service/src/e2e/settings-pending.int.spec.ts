import Dockerode from 'dockerode';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../test/e2e/daemon-process';
import type { DaemonProcess } from '../../test/e2e/daemon-process';
import { waitFor } from '../../test/e2e/docker-cli';
import {
  endSession,
  Forwarder,
  removeContainers,
  startS3,
  startSession,
  startSettingsDaemon,
  storedSettings,
} from '../../test/e2e/settings-sessions';
import { makeTempRoot, removeTempRoot } from '../../test/e2e/temp-root';

const app = 'settings-app';

const pendingFiles = (root: string, name: string, userId: string): Promise<string[]> =>
  readdir(join(root, `${name}-private`, 'pendingConfigUploads', userId, app))
    .then((names) => names.filter((n) => n.endsWith('.enc')))
    .catch(() => []);

describe('pending config uploads across daemon restarts and hosts (issue 10)', () => {
  const docker = new Dockerode();
  const containers: string[] = [];
  const daemons: DaemonProcess[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  let root: string;

  beforeAll(async () => {
    root = await makeTempRoot('settings-pending');
  });
  afterAll(async () => {
    for (const d of daemons) await d.kill();
    await removeContainers(docker, containers);
    for (const close of closers) await close().catch(() => undefined);
    await removeTempRoot(root);
  });

  const stop = async (daemon: DaemonProcess): Promise<void> => {
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  };

  it('starts again with pending archives and uploads them at once (defect 2)', async () => {
    const user = { userId: 'restart-user', token: 'restart-token' };
    const s3 = await startS3(join(root, 's3-restart'));
    closers.push(() => s3.server.close());
    const forwarder = new Forwarder(await freePort(), s3.port);
    closers.push(() => forwarder.off());
    await forwarder.on();
    const s3Port = forwarder.port;
    const port = await freePort();
    const first = startSettingsDaemon(root, 'r', port, s3Port);
    daemons.push(first);
    await first.waitForLog('host service ready');
    const session = await startSession(docker, port, join(root, 'r-fractal'), user, containers);
    await forwarder.off();
    await endSession(docker, session, 'saved while S3 was down');
    expect(await pendingFiles(root, 'r', user.userId)).toHaveLength(1);
    await stop(first);

    await forwarder.on();
    const second = startSettingsDaemon(root, 'r', port, s3Port);
    daemons.push(second);
    await second.waitForLog('host service ready');
    expect(
      await waitFor('the pending archive in S3', () =>
        storedSettings(s3Port, root, user.userId, user.token).catch(() => undefined),
      ),
    ).toBe('saved while S3 was down');
    expect(await pendingFiles(root, 'r', user.userId)).toEqual([]);
    await stop(second);
  });

  it('never lets a pending archive overwrite a newer one another host uploaded (defect 5)', async () => {
    const user = { userId: 'race-user', token: 'race-token' };
    const s3 = await startS3(join(root, 's3-race'));
    closers.push(() => s3.server.close());
    // Host A reaches S3 through a forwarder, switched off while its session ends; host B directly.
    const forwarder = new Forwarder(await freePort(), s3.port);
    closers.push(() => forwarder.off());
    const [portA, portB] = [await freePort(), await freePort()];
    const hostA = startSettingsDaemon(root, 'hostA', portA, forwarder.port);
    const hostB = startSettingsDaemon(root, 'hostB', portB, s3.port);
    daemons.push(hostA, hostB);
    await Promise.all([hostA.waitForLog('host service ready'), hostB.waitForLog('host service ready')]);

    await forwarder.on();
    const onA = await startSession(docker, portA, join(root, 'hostA-fractal'), user, containers);
    await forwarder.off();
    await endSession(docker, onA, 'older, from host A');
    expect(await pendingFiles(root, 'hostA', user.userId)).toHaveLength(1);
    const onB = await startSession(docker, portB, join(root, 'hostB-fractal'), user, containers);
    await endSession(docker, onB, 'newer, from host B');
    expect(await storedSettings(s3.port, root, user.userId, user.token)).toBe('newer, from host B');

    await forwarder.on();
    await stop(hostA);
    const hostA2 = startSettingsDaemon(root, 'hostA', portA, forwarder.port);
    daemons.push(hostA2);
    await hostA2.waitForLog('host service ready');
    await hostA2.waitForLog('pending config archive skipped');
    // The line is logged just before the pending files are removed.
    await waitFor('the skipped archive removed', async () =>
      (await pendingFiles(root, 'hostA', user.userId)).length === 0 ? true : undefined,
    );
    expect(await pendingFiles(root, 'hostA', user.userId)).toEqual([]);
    expect(await storedSettings(s3.port, root, user.userId, user.token)).toBe('newer, from host B');
    await stop(hostA2);
    await stop(hostB);
  });
});

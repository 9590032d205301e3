import Dockerode from 'dockerode';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../test/e2e/daemon-process';
import type { DaemonProcess } from '../../test/e2e/daemon-process';
import {
  endSession,
  readInContainer,
  removeContainers,
  startS3,
  startSession,
  startSettingsDaemon,
  storedSettings,
} from '../../test/e2e/settings-sessions';
import { makeTempRoot, removeTempRoot } from '../../test/e2e/temp-root';

const user = { userId: 'rollback-user', token: 'rollback-token' };

describe('settings are never rolled back (issue 10, defect 1)', () => {
  const docker = new Dockerode();
  const containers: string[] = [];
  let root: string;
  let daemon: DaemonProcess | undefined;
  let s3: Awaited<ReturnType<typeof startS3>> | undefined;

  beforeAll(async () => {
    root = await makeTempRoot('settings-rollback');
  });
  afterAll(async () => {
    await daemon?.kill();
    await removeContainers(docker, containers);
    await s3?.server.close();
    await removeTempRoot(root);
  });

  it('restores the pending archive of the session that ended while S3 was down, in the container', async () => {
    s3 = await startS3(join(root, 's3'));
    const s3Port = s3.port;
    const port = await freePort();
    daemon = startSettingsDaemon(root, 'a', port, s3Port);
    await daemon.waitForLog('host service ready');
    const fractalDir = join(root, 'a-fractal');

    const one = await startSession(docker, port, fractalDir, user, containers);
    await endSession(docker, one, 'session 1');
    expect(await storedSettings(s3Port, root, user.userId, user.token)).toBe('session 1');

    const two = await startSession(docker, port, fractalDir, user, containers);
    expect(await readInContainer(docker, two.dockerId, 'settings.ini')).toBe('session 1');
    await s3.server.close();
    await endSession(docker, two, 'session 2');
    const pending = join(root, 'a-private', 'pendingConfigUploads', user.userId, 'settings-app');
    expect((await readdir(pending)).filter((n) => n.endsWith('.enc'))).toHaveLength(1);

    s3 = await startS3(join(root, 's3'), s3Port);
    const three = await startSession(docker, port, fractalDir, user, containers);
    // The container itself sees session 2's settings through its bind mount.
    expect(await readInContainer(docker, three.dockerId, 'settings.ini')).toBe('session 2');
    await endSession(docker, three, 'session 3');
    expect(await storedSettings(s3Port, root, user.userId, user.token)).toBe('session 3');
    expect(await readdir(pending).catch(() => [])).toEqual([]);
  });
});

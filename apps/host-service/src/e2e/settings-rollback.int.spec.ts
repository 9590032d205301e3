import Dockerode from 'dockerode';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../test/e2e/daemon-process';
import type { DaemonProcess } from '../../test/e2e/daemon-process';
import { waitFor } from '../../test/e2e/docker-cli';
import {
  endSession,
  execIn,
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

  it('loses and rolls back nothing when the daemon is SIGKILLed mid-restore (decrypt and liblz4 in flight)', async () => {
    await daemon?.kill();
    await s3?.server.close();
    s3 = await startS3(join(root, 's3-kill'));
    const s3Port = s3.port;
    const port = await freePort();
    const who = { userId: 'killed-restore-user', token: 'killed-restore-token' };
    const fractalDir = join(root, 'k-fractal');
    const restores = (what: 'started' | 'finished: restored'): number =>
      (daemon as DaemonProcess).logLines().filter((l) => l.msg === `config restore ${what}`).length;
    daemon = startSettingsDaemon(root, 'k', port, s3Port);
    await daemon.waitForLog('host service ready');

    // Session 1 saves v1 with 60 MB of random bytes beside it: its restore takes long enough to hit.
    const one = await startSession(docker, port, fractalDir, who, containers);
    const dd = ['dd', 'if=/dev/urandom', 'of=/fractal/userConfigs/big.bin', 'bs=1048576', 'count=60'];
    await execIn(docker, one.dockerId, dd);
    await endSession(docker, one, 'v1');
    expect(await storedSettings(s3Port, root, who.userId, who.token)).toBe('v1');

    // Session 2's token starts the restore; the daemon dies once big.bin is being written into the
    // root-only staging dir beside unpacked_configs.
    const two = await startSession(docker, port, fractalDir, who, containers, { awaitToken: false });
    const userConfigs = join(fractalDir, two.fractalId, 'userConfigs');
    const halfWritten = async (): Promise<true | undefined> => {
      for (const name of await readdir(userConfigs)) {
        if (!name.startsWith('.unpacked_configs.restore-')) continue;
        for (const file of await readdir(join(userConfigs, name), { recursive: true })) {
          if (!file.endsWith('big.bin')) continue;
          const { size } = await stat(join(userConfigs, name, file));
          if (size > 0 && size < 60 * 1024 * 1024) return true;
        }
      }
      return undefined;
    };
    await waitFor('big.bin half-written in the staging dir', halfWritten, 60_000, 2);
    await daemon.kill();
    expect(restores('started')).toBe(2);
    expect(restores('finished: restored')).toBe(0); // session 1 was a first session: nothing to restore

    // Restarted on the same dirs: the container is adopted; when it dies, its half-restored
    // session must not replace v1.
    daemon = startSettingsDaemon(root, 'k', port, s3Port);
    await daemon.waitForLog('host service ready');
    expect(await readdir(fractalDir)).toContain(two.fractalId);
    await docker.getContainer(two.dockerId).kill();
    await waitFor(
      "the killed session's dirs to go",
      async () => !(await readdir(fractalDir)).includes(two.fractalId) || undefined,
      60_000,
    );
    expect(await storedSettings(s3Port, root, who.userId, who.token)).toBe('v1');

    // The next session gets v1 whole.
    const three = await startSession(docker, port, fractalDir, who, containers);
    expect(await readInContainer(docker, three.dockerId, 'settings.ini')).toBe('v1');
    const size = await execIn(docker, three.dockerId, ['wc', '-c', '/fractal/userConfigs/big.bin']);
    expect(size.trim().split(/\s+/)[0]).toBe(String(60 * 1024 * 1024));
    expect(await readdir(fractalDir)).toContain(three.fractalId);
  });
});

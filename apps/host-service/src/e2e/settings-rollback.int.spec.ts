import Dockerode from 'dockerode';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../test/e2e/daemon-process';
import type { DaemonProcess } from '../../test/e2e/daemon-process';
import { waitFor } from '../../test/e2e/docker-cli';
import {
  type Session,
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

  const BIG = 60 * 1024 * 1024;
  /** A session's token has started a restore; the daemon is SIGKILLed once big.bin is half-written in
   *  the root-only staging dir beside unpacked_configs (decrypt and liblz4 in flight). */
  async function killMidRestore(session: Session): Promise<void> {
    const userConfigs = join(session.fractalDir, session.fractalId, 'userConfigs');
    const halfWritten = async (): Promise<true | undefined> => {
      for (const name of await readdir(userConfigs)) {
        if (!name.startsWith('.unpacked_configs.restore-')) continue;
        for (const file of await readdir(join(userConfigs, name), { recursive: true })) {
          if (!file.endsWith('big.bin')) continue;
          const { size } = await stat(join(userConfigs, name, file));
          if (size > 0 && size < BIG) return true;
        }
      }
      return undefined;
    };
    await waitFor('big.bin half-written in the staging dir', halfWritten, 60_000, 2);
    await (daemon as DaemonProcess).kill();
    // The restore killed was under way: started, not finished.
    const msgs = (daemon as DaemonProcess).logLines().map((l) => l.msg);
    expect(msgs.slice(msgs.lastIndexOf('config restore started'))).not.toContain(
      'config restore finished: restored',
    );
  }

  /** After the restart the daemon removes the not-ready container itself (the webserver then
   *  starts another): nothing is backed up over the last archive and nothing is left behind. */
  async function expectCleanedWithoutBackup(session: Session): Promise<void> {
    const d = daemon as DaemonProcess;
    const cleaned = await d.waitForLog('container cleaned up');
    expect(cleaned.fractalId).toBe(session.fractalId);
    const reasons = d
      .logLines()
      .filter((l) => l.msg === 'cleaning up container' && l.fractalId === session.fractalId);
    expect(reasons.map((l) => l.reason)).toEqual(['it was not ready yet when the host service stopped']);
    expect(d.logLines().filter((l) => l.msg === 'user config backed up')).toEqual([]);
    await expect(docker.getContainer(session.dockerId).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(await readdir(session.fractalDir)).not.toContain(session.fractalId);
  }

  /** The container holds `settings` and all of big.bin. */
  async function expectWhole(session: Session, settings: string): Promise<void> {
    expect(await readInContainer(docker, session.dockerId, 'settings.ini')).toBe(settings);
    const size = await execIn(docker, session.dockerId, ['wc', '-c', '/fractal/userConfigs/big.bin']);
    expect(size.trim().split(/\s+/)[0]).toBe(String(BIG));
  }

  /** Session 1 saves `settings` with 60 MB of random bytes beside it: a restore long enough to hit. */
  async function saveBig(
    port: number,
    fractalDir: string,
    who: typeof user,
    settings: string,
  ): Promise<void> {
    const one = await startSession(docker, port, fractalDir, who, containers);
    const dd = [
      'dd',
      'if=/dev/urandom',
      'of=/fractal/userConfigs/big.bin',
      'bs=1048576',
      `count=${BIG >> 20}`,
    ];
    await execIn(docker, one.dockerId, dd);
    await endSession(docker, one, settings);
  }

  it('loses and rolls back nothing when the daemon is SIGKILLed mid-restore (decrypt and liblz4 in flight)', async () => {
    await daemon?.kill();
    await s3?.server.close();
    s3 = await startS3(join(root, 's3-kill'));
    const s3Port = s3.port;
    const port = await freePort();
    const who = { userId: 'killed-restore-user', token: 'killed-restore-token' };
    const fractalDir = join(root, 'k-fractal');
    daemon = startSettingsDaemon(root, 'k', port, s3Port);
    await daemon.waitForLog('host service ready');

    await saveBig(port, fractalDir, who, 'v1');
    expect(await storedSettings(s3Port, root, who.userId, who.token)).toBe('v1');

    const two = await startSession(docker, port, fractalDir, who, containers, { awaitToken: false });
    await killMidRestore(two);

    daemon = startSettingsDaemon(root, 'k', port, s3Port);
    await daemon.waitForLog('host service ready');
    await expectCleanedWithoutBackup(two);
    expect(await storedSettings(s3Port, root, who.userId, who.token)).toBe('v1');

    const three = await startSession(docker, port, fractalDir, who, containers);
    await expectWhole(three, 'v1');
  });

  it('with S3 down: SIGKILLed while restoring the pending archive, it keeps that archive and uploads it later', async () => {
    await daemon?.kill();
    await s3?.server.close();
    s3 = await startS3(join(root, 's3-down'));
    const s3Port = s3.port;
    const port = await freePort();
    const who = { userId: 'down-restore-user', token: 'down-restore-token' };
    const fractalDir = join(root, 'd-fractal');
    const pending = join(root, 'd-private', 'pendingConfigUploads', who.userId, 'settings-app');
    const archives = async (): Promise<string[]> =>
      (await readdir(pending).catch(() => [])).filter((n) => n.endsWith('.enc'));
    daemon = startSettingsDaemon(root, 'd', port, s3Port);
    await daemon.waitForLog('host service ready');

    await saveBig(port, fractalDir, who, 'v1');
    // Session 2 ends while S3 is down: v2 (with big.bin) waits in the pending dir.
    const two = await startSession(docker, port, fractalDir, who, containers);
    await s3.server.close();
    await endSession(docker, two, 'v2');
    expect(await archives()).toHaveLength(1);

    // Session 3 restores the pending v2 from disk (S3 still down); the daemon dies mid-restore.
    const three = await startSession(docker, port, fractalDir, who, containers, { awaitToken: false });
    await killMidRestore(three);
    expect(
      daemon.logLines().some((l) => l.msg === 'config store unreachable; restoring the pending archive'),
    ).toBe(true);

    // Restarted with S3 still down: the container goes unsaved, v2 stays pending.
    daemon = startSettingsDaemon(root, 'd', port, s3Port);
    await daemon.waitForLog('host service ready');
    await expectCleanedWithoutBackup(three);
    expect(await archives()).toHaveLength(1);

    // S3 back: the next session gets v2 whole, and its end saves over it; nothing stays pending.
    s3 = await startS3(join(root, 's3-down'), s3Port);
    const four = await startSession(docker, port, fractalDir, who, containers);
    await expectWhole(four, 'v2');
    await endSession(docker, four, 'v4');
    expect(await storedSettings(s3Port, root, who.userId, who.token)).toBe('v4');
    expect(await archives()).toEqual([]);
  });

  /** `.enc` and `.partial` files in a pending dir. */
  async function pendingFiles(dir: string): Promise<{ archives: string[]; partials: string[] }> {
    const names = await readdir(dir).catch(() => [] as string[]);
    return {
      archives: names.filter((n) => n.endsWith('.enc')),
      partials: names.filter((n) => n.endsWith('.partial')),
    };
  }

  /** The session ends with `settings` beside big.bin; the daemon is SIGKILLed while it packs them
   *  (liblz4, XXH32 and AES on worker threads), once the pending archive is part-written. */
  async function killMidBackup(session: Session, pending: string, settings: string): Promise<void> {
    await execIn(docker, session.dockerId, [
      'sh',
      '-c',
      `printf '%s' '${settings}' > /fractal/userConfigs/settings.ini`,
    ]);
    await docker.getContainer(session.dockerId).kill();
    const partWritten = async (): Promise<true | undefined> => {
      for (const name of (await pendingFiles(pending)).partials) {
        const { size } = await stat(join(pending, name)).catch(() => ({ size: 0 }));
        if (size > 0 && size < BIG) return true;
      }
      return undefined;
    };
    await waitFor('the pending archive part-written', partWritten, 60_000, 2);
    await (daemon as DaemonProcess).kill();
    const msgs = (daemon as DaemonProcess).logLines().map((l) => l.msg);
    expect(msgs.slice(msgs.lastIndexOf('config backup started'))).not.toContain('config backup finished');
  }

  /** After the restart the daemon saves the dead container once, from its dir, and removes it. */
  async function expectSavedAfterRestart(session: Session): Promise<void> {
    await waitFor(
      'the container dirs to go',
      async () =>
        stat(join(session.fractalDir, session.fractalId)).then(
          () => undefined,
          () => true,
        ),
      120_000,
    );
    const d = daemon as DaemonProcess;
    const saved = d
      .logLines()
      .filter((l) => l.msg === 'user config backed up' && l.fractalId === session.fractalId);
    expect(saved).toHaveLength(1);
    await expect(docker.getContainer(session.dockerId).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }

  it('loses nothing when the daemon is SIGKILLed mid-backup (liblz4, XXH32 and AES on workers)', async () => {
    await daemon?.kill();
    await s3?.server.close();
    s3 = await startS3(join(root, 's3-pack'));
    const s3Port = s3.port;
    const port = await freePort();
    const who = { userId: 'killed-backup-user', token: 'killed-backup-token' };
    const fractalDir = join(root, 'p-fractal');
    const pending = join(root, 'p-private', 'pendingConfigUploads', who.userId, 'settings-app');
    daemon = startSettingsDaemon(root, 'p', port, s3Port);
    await daemon.waitForLog('host service ready');

    await saveBig(port, fractalDir, who, 'v1');
    const two = await startSession(docker, port, fractalDir, who, containers);
    await killMidBackup(two, pending, 'v2');
    expect(await storedSettings(s3Port, root, who.userId, who.token)).toBe('v1');

    daemon = startSettingsDaemon(root, 'p', port, s3Port);
    await daemon.waitForLog('host service ready');
    await expectSavedAfterRestart(two);
    expect(await storedSettings(s3Port, root, who.userId, who.token)).toBe('v2');
    expect(await pendingFiles(pending)).toEqual({ archives: [], partials: [] });

    const three = await startSession(docker, port, fractalDir, who, containers);
    await expectWhole(three, 'v2');
  });

  it('with S3 down: SIGKILLed mid-backup, the restart keeps the settings pending and the next session gets them', async () => {
    await daemon?.kill();
    await s3?.server.close();
    s3 = await startS3(join(root, 's3-pack-down'));
    const s3Port = s3.port;
    const port = await freePort();
    const who = { userId: 'down-backup-user', token: 'down-backup-token' };
    const fractalDir = join(root, 'q-fractal');
    const pending = join(root, 'q-private', 'pendingConfigUploads', who.userId, 'settings-app');
    daemon = startSettingsDaemon(root, 'q', port, s3Port);
    await daemon.waitForLog('host service ready');

    await saveBig(port, fractalDir, who, 'v1');
    const two = await startSession(docker, port, fractalDir, who, containers);
    await s3.server.close();
    await killMidBackup(two, pending, 'v2');

    // Restarted with S3 still down: the dead container is saved to the pending dir, whole.
    daemon = startSettingsDaemon(root, 'q', port, s3Port);
    await daemon.waitForLog('host service ready');
    await expectSavedAfterRestart(two);
    expect((await pendingFiles(pending)).archives).toHaveLength(1);
    expect((await pendingFiles(pending)).partials).toEqual([]);

    // S3 back: the next session gets v2 (newer than the stored v1), and its end stores v3.
    s3 = await startS3(join(root, 's3-pack-down'), s3Port);
    const three = await startSession(docker, port, fractalDir, who, containers);
    await expectWhole(three, 'v2');
    await endSession(docker, three, 'v3');
    expect(await storedSettings(s3Port, root, who.userId, who.token)).toBe('v3');
    expect(await pendingFiles(pending)).toEqual({ archives: [], partials: [] });
  });
});

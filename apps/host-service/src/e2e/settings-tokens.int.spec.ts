import Dockerode from 'dockerode';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { packConfigArchive, unpackConfigArchive } from '@fractal/userconfigs';
import { S3ConfigStore } from '@fractal/userconfigs/s3';
import { freePort, putJson, type DaemonProcess } from '../../test/e2e/daemon-process';
import { waitFor } from '../../test/e2e/docker-cli';
import {
  BUCKET,
  endSession,
  readInContainer,
  removeContainers,
  startS3,
  startSettingsDaemon,
} from '../../test/e2e/settings-sessions';
import { makeTempRoot, removeTempRoot } from '../../test/e2e/temp-root';

const SECRET = 'testwebserverauthsecretdev';
const APP = 'settings-app';
const user = { userId: 'token-user', token: 'token-user-key', clientSecret: 'client-secret' };
const attacker = { userId: 'token-attacker', token: 'attacker-key' };

/**
 * Issue 10, the token rules through the built daemon, Docker and S3: the config token endpoint
 * takes no auth secret and host ports are predictable, so an attacker may send tokens first.
 */
describe('config tokens: the first token does not win (issue 10)', () => {
  const docker = new Dockerode();
  const containers: string[] = [];
  let root: string;
  let daemon: DaemonProcess | undefined;
  let s3: Awaited<ReturnType<typeof startS3>> | undefined;
  let store: S3ConfigStore;

  beforeAll(async () => {
    root = await makeTempRoot('settings-tokens');
  });
  afterAll(async () => {
    await daemon?.kill();
    await removeContainers(docker, containers);
    await s3?.server.close();
    await removeTempRoot(root);
  });

  /** Stores `settings` as `who`'s settings.ini, encrypted with `who`'s token. */
  async function seed(who: { userId: string; token: string }, settings: string): Promise<void> {
    const dir = join(root, `seed-${who.userId}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'settings.ini'), settings);
    await store.put({ userId: who.userId, appName: APP }, packConfigArchive(dir, who.token));
  }

  async function stored(who: { userId: string; token: string }): Promise<string> {
    const body = await store.get({ userId: who.userId, appName: APP });
    const dir = join(root, `check-${who.userId}-${Date.now()}`);
    await unpackConfigArchive(body as Readable, who.token, dir);
    return readFile(join(dir, 'settings.ini'), 'utf8');
  }

  it('keeps 4 candidates, refuses a fifth and a late mismatch (406), restores and saves only the real user', async () => {
    s3 = await startS3(join(root, 's3'));
    store = new S3ConfigStore({
      bucket: BUCKET,
      clientConfig: {
        endpoint: `http://127.0.0.1:${s3.port}`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      },
    });
    await seed(user, 'the real settings');
    await seed(attacker, 'the attacker settings');
    const port = await freePort();
    daemon = startSettingsDaemon(root, 'a', port, s3.port);
    await daemon.waitForLog('host service ready');
    const fractalDir = join(root, 'a-fractal');

    const spinUp = (): ReturnType<typeof putJson> =>
      putJson(port, '/spin_up_container', {
        auth_secret: SECRET,
        app_name: APP,
        app_image: 'fractal/test-protocol:latest',
        mount_command: '',
        protocol_timeout: 120,
      });
    let spun = await spinUp();
    for (let i = 0; i < 3 && /already allocated/.test(JSON.stringify(spun.body)); i++) spun = await spinUp();
    expect(spun.status).toBe(200);
    const dockerId = (spun.body as { result: string }).result;
    containers.push(dockerId);
    const info = await docker.getContainer(dockerId).inspect();
    const fractalId = info.Config.Labels['fractal.id'];
    const hostPort = Number(info.NetworkSettings.Ports['32262/tcp']?.[0]?.HostPort);
    const unpacked = join(fractalDir, fractalId, 'userConfigs', 'unpacked_configs');
    const ready = join(fractalDir, fractalId, 'containerResourceMappings', '.ready');
    const isReady = (): Promise<boolean> =>
      stat(ready).then(
        (s) => s.isFile(),
        () => false,
      );

    // The attacker is first: wrong secrets and its own user id, up to the cap, then one over it.
    const attack = (secret: string): ReturnType<typeof putJson> =>
      putJson(port, '/set_config_encryption_token', {
        host_port: hostPort,
        user_id: attacker.userId,
        client_app_auth_secret: secret,
        config_encryption_token: attacker.token,
      });
    for (let i = 0; i < 4; i++) expect((await attack(`guess-${i}`)).status).toBe(200);
    const fifth = await attack('guess-4');
    expect(fifth.status).toBe(406);
    expect(JSON.stringify(fifth.body)).toMatch(/TOKEN_REFUSED/);
    expect(JSON.stringify(fifth.body)).toMatch(/already holds 4 config tokens/);

    // The webserver's start values match none of the candidates: nothing is restored yet.
    const common = { host_port: hostPort, user_id: user.userId, client_app_auth_secret: user.clientSecret };
    const values = await putJson(port, '/set_container_start_values', {
      ...common,
      auth_secret: SECRET,
      dpi: 96,
      container_ARN: '',
    });
    expect(values.status).toBe(200);
    expect(await isReady()).toBe(false);
    expect(await readdir(unpacked).catch(() => [])).toEqual([]);

    // A token after the start values that does not match them (even with the right secret, for
    // another user) is refused with a clear error, not 200; nothing is restored for it.
    const late = await attack(user.clientSecret);
    expect(late.status).toBe(406);
    expect(JSON.stringify(late.body)).toMatch(/TOKEN_REFUSED/);
    expect(JSON.stringify(late.body)).toMatch(/does not match its start values/);
    expect(await isReady()).toBe(false);
    expect(await readdir(unpacked).catch(() => [])).toEqual([]);

    // The real client's token matches and is taken; its settings are restored into the container.
    const real = await putJson(port, '/set_config_encryption_token', {
      ...common,
      config_encryption_token: user.token,
    });
    expect(real.status).toBe(200);
    await waitFor('.ready', async () => (await isReady()) || undefined, 120_000);
    expect(await readInContainer(docker, dockerId, 'settings.ini')).toBe('the real settings');
    expect(await readdir(unpacked)).toEqual(['settings.ini']);

    // Once the token is taken, no other is: the attacker still gets 406, never 200.
    const after = await attack(user.clientSecret);
    expect(after.status).toBe(406);
    expect(JSON.stringify(after.body)).toMatch(/ALREADY_SET/);
    expect(await readInContainer(docker, dockerId, 'settings.ini')).toBe('the real settings');

    // The session ends: its settings are saved for the real user only.
    await endSession(docker, { dockerId, fractalId, unpacked, fractalDir }, 'saved by the real user');
    expect(await stored(user)).toBe('saved by the real user');
    expect(await stored(attacker)).toBe('the attacker settings');
  });
});

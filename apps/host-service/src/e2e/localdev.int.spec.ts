import Dockerode from 'dockerode';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unpackConfigArchive } from '@fractal/userconfigs';
import { removeContainers } from '@tools/testing';
import { freePort, putJson, startDaemon } from '../../test/e2e/daemon-process';
import { waitFor } from '../../test/e2e/docker-cli';
import type { DaemonProcess } from '../../test/e2e/daemon-process';
import { makeTempRoot, mountsUnder, removeTempRoot } from '../../test/e2e/temp-root';

const IMAGE = 'fractal/test-protocol:latest';
const SECRET = 'testwebserverauthsecretdev';

/** PUT /spin_up_container with the test image as the webserver's dev script sends it. */
async function spinUpTestImage(port: number, docker: Dockerode): Promise<Dockerode.ContainerInspectInfo> {
  const spun = await putJson(port, '/spin_up_container', {
    auth_secret: SECRET,
    app_name: 'test-app',
    app_image: IMAGE,
    mount_command: '',
    protocol_timeout: 60,
  });
  expect(spun.status).toBe(200);
  return docker.getContainer((spun.body as { result: string }).result).inspect();
}

/** The README walkthrough as a test: localdev daemon, test image, start values, token, kill. */
describe('host service (localdev) with the test image', () => {
  const docker = new Dockerode();
  let root: string;
  let daemon: DaemonProcess | undefined;
  const containers: string[] = [];

  beforeAll(async () => {
    root = await makeTempRoot('localdev');
  });

  afterAll(async () => {
    await daemon?.kill();
    await removeContainers(docker, containers);
    await removeTempRoot(root);
  });

  it('runs a container through the API, makes it ready, and saves its config when it dies', async () => {
    const fractalDir = join(root, 'fractal');
    const store = join(root, 'private', 'user-configs');
    const port = await freePort();
    daemon = startDaemon({
      APP_ENV: 'localdev',
      HOST_SERVICE_PORT: String(port),
      HOST_SERVICE_HOST: '127.0.0.1',
      FRACTAL_DIR: fractalDir,
      FRACTAL_PRIVATE_DIR: join(root, 'private'),
      UINPUT: 'auto',
    });
    await daemon.waitForLog('host service ready');

    const info = await spinUpTestImage(port, docker);
    const dockerId = info.Id;
    containers.push(dockerId);
    const fractalId = info.Config.Labels['fractal.id'];
    const hostPort = Number(info.NetworkSettings.Ports['32262/tcp']?.[0]?.HostPort);
    expect(fractalId).toMatch(/^[0-9a-f]+$/);
    expect(info.Config.Labels['fractal.app']).toBe('test-app');
    expect(hostPort).toBeGreaterThan(0);

    const resources = join(fractalDir, fractalId, 'containerResourceMappings');
    expect(await readFile(join(resources, 'hostPort_for_my_32262_tcp'), 'utf8')).toBe(String(hostPort));
    const common = { host_port: hostPort, user_id: 'e2e-user', client_app_auth_secret: 'client-secret' };
    const values = await putJson(port, '/set_container_start_values', {
      ...common,
      auth_secret: SECRET,
      dpi: 144,
      container_ARN: 'arn:aws:ecs:local:0:task/e2e',
    });
    expect(values).toEqual({ status: 200, body: { result: expect.any(String) } });
    await expect(stat(join(resources, '.ready'))).rejects.toMatchObject({ code: 'ENOENT' });
    const token = await putJson(port, '/set_config_encryption_token', {
      ...common,
      config_encryption_token: 'e2e-token',
    });
    expect(token.status).toBe(200);
    expect(await readdir(resources)).toEqual(
      expect.arrayContaining([
        '.ready',
        'DPI',
        'ContainerARN',
        'hostPort_for_my_32262_tcp',
        'timeout',
        'tty',
      ]),
    );
    expect(await readFile(join(resources, 'DPI'), 'utf8')).toBe('144');

    const logs = await waitFor('the container to see .ready', async () => {
      const out = (await docker.getContainer(dockerId).logs({ stdout: true, stderr: true })).toString('utf8');
      // The protocol prints each resource file after `ready`: wait for the one checked below.
      return out.includes('test-protocol: DPI=') ? out : undefined;
    });
    expect(logs).toContain('test-protocol: DPI=144');

    const unpacked = join(fractalDir, fractalId, 'userConfigs', 'unpacked_configs');
    await writeFile(join(unpacked, 'settings.ini'), 'volume=11\n');
    await docker.getContainer(dockerId).kill();

    await waitFor('the container dirs to go', async () =>
      stat(join(fractalDir, fractalId)).then(
        () => undefined,
        () => true,
      ),
    );
    const archive = join(store, 'e2e-user', 'test-app', 'fractal-app-config.tar.lz4.enc');
    await waitFor('the config archive', async () => (await stat(archive)).isFile() || undefined);
    const restored = join(root, 'restored');
    await mkdir(restored);
    await unpackConfigArchive(createReadStream(archive), 'e2e-token', restored);
    expect(await readFile(join(restored, 'settings.ini'), 'utf8')).toBe('volume=11\n');

    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    await expect(stat(fractalDir)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await mountsUnder(root)).toEqual([]);
    // The saved config outlives the run.
    expect((await stat(archive)).isFile()).toBe(true);
  });

  it('stops, removes and backs up its containers on SIGTERM', async () => {
    const fractalDir = join(root, 'fractal2');
    const store = join(root, 'store2');
    const port = await freePort();
    daemon = startDaemon({
      APP_ENV: 'localdev',
      HOST_SERVICE_PORT: String(port),
      HOST_SERVICE_HOST: '127.0.0.1',
      FRACTAL_DIR: fractalDir,
      FRACTAL_PRIVATE_DIR: join(root, 'private2'),
      USER_CONFIGS_DIR: store,
      UINPUT: 'off',
    });
    await daemon.waitForLog('host service ready');
    const info = await spinUpTestImage(port, docker);
    const dockerId = info.Id;
    containers.push(dockerId);
    const hostPort = Number(info.NetworkSettings.Ports['32262/tcp']?.[0]?.HostPort);
    const common = { host_port: hostPort, user_id: 'sig-user', client_app_auth_secret: 's' };
    await putJson(port, '/set_config_encryption_token', { ...common, config_encryption_token: 'sig-token' });
    await putJson(port, '/set_container_start_values', {
      ...common,
      auth_secret: SECRET,
      dpi: 96,
      container_ARN: '',
    });
    const fractalId = info.Config.Labels['fractal.id'];
    await writeFile(join(fractalDir, fractalId, 'userConfigs', 'unpacked_configs', 'a.txt'), 'kept');

    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    await expect(docker.getContainer(dockerId).inspect()).rejects.toMatchObject({ statusCode: 404 });
    const restored = join(root, 'restored2');
    await mkdir(restored);
    await unpackConfigArchive(
      createReadStream(join(store, 'sig-user', 'test-app', 'fractal-app-config.tar.lz4.enc')),
      'sig-token',
      restored,
    );
    expect(await readFile(join(restored, 'a.txt'), 'utf8')).toBe('kept');
    await expect(stat(fractalDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

import Dockerode from 'dockerode';
import { readFileSync } from 'node:fs';
import { cp, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotifyListener } from '@fractal/sdnotify/testing';
import {
  TEST_APP,
  WEBSERVER_SECRET,
  freePort,
  putJson,
  removeTestContainers,
  spinUp,
  startArtifact,
  waitFor,
} from '../test/daemon';
import type { Daemon } from '../test/daemon';
import { BUNDLE, VERSION, extractRelease, removeTempDir, runProgram, tempDir } from '../test/release';

/**
 * DEPENDS ON SIGUSR2 DETACH (the recovery work, helper "core"'s branch): SIGUSR2 stops the API,
 * bridge and heartbeats, persists state and exits 0 with the containers running; the next start
 * adopts them. Until the built daemon handles SIGUSR2 (the bundle names it), this suite is skipped
 * and says so; once it does, it runs. When merging, the lead may drop the condition.
 */
const detachSupported = /["']SIGUSR2["']/.test(readFileSync(BUNDLE, 'utf8'));
const describeUpgrade = detachSupported ? describe : describe.skip;
if (!detachSupported) {
  console.warn(
    'release upgrade test SKIPPED: the built daemon has no SIGUSR2 detach yet (needs the recovery work)',
  );
}

describeUpgrade('upgrading with install.sh keeps the running sessions [needs SIGUSR2 detach]', () => {
  const docker = new Dockerode();
  const daemons: Daemon[] = [];
  const listeners: NotifyListener[] = [];
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir('upgrade');
  });
  afterAll(async () => {
    for (const d of daemons) await d.kill();
    for (const l of listeners) l.close();
    await removeTestContainers(docker);
    await removeTempDir(dir);
  });

  /** The same build as another version: what an upgrade installs, minus a second build. */
  async function makeV2(v1: string, version: string): Promise<string> {
    const v2 = join(dir, 'v2', `fractal-host-service-${version}`);
    await cp(v1, v2, { recursive: true, verbatimSymlinks: true });
    await writeFile(join(v2, 'VERSION'), `${version}\n`);
    const sums = await runProgram(
      'sh',
      [
        '-c',
        "find . -type f ! -name SHA256SUMS -printf '%P\\n' | LC_ALL=C sort | xargs -d '\\n' sha256sum > SHA256SUMS",
      ],
      { cwd: v2 },
    );
    expect(sums.code).toBe(0);
    return v2;
  }

  function start(root: string, port: number): { daemon: Daemon; listener: NotifyListener } {
    const listener = new NotifyListener();
    listeners.push(listener);
    const daemon = startArtifact(
      join(root, 'opt', 'fractal', 'host-service', 'current', 'bin', 'host-service'),
      {
        PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
        APP_ENV: 'localdev',
        HOST_SERVICE_PORT: String(port),
        HOST_SERVICE_HOST: '127.0.0.1',
        FRACTAL_DIR: join(dir, 'fractal'),
        FRACTAL_PRIVATE_DIR: join(dir, 'private'),
        USER_CONFIGS_DIR: join(dir, 'store'),
        UINPUT: 'off',
        NOTIFY_SOCKET: listener.address,
      },
    );
    daemons.push(daemon);
    return { daemon, listener };
  }

  it('installs v1, makes a session ready, installs v2 over it: the container runs on and v2 adopts it', async () => {
    await runProgram('mkdir', ['-p', join(dir, 'v1'), join(dir, 'root')]);
    const v1 = await extractRelease(join(dir, 'v1'));
    const root = join(dir, 'root');
    expect((await runProgram(join(v1, 'install.sh'), ['--root', root])).code).toBe(0);

    const port = await freePort();
    const old = start(root, port);
    await old.listener.waitFor('READY=1', 90_000);
    const id = await spinUp(port);
    const info = await docker.getContainer(id).inspect();
    const hostPort = Number(info.NetworkSettings.Ports['32262/tcp']?.[0]?.HostPort);
    const common = { host_port: hostPort, user_id: 'upgrade-user', client_app_auth_secret: 'c' };
    expect(
      (await putJson(port, '/set_config_encryption_token', { ...common, config_encryption_token: 'tok' }))
        .status,
    ).toBe(200);
    const values = { ...common, auth_secret: WEBSERVER_SECRET, dpi: 96, container_ARN: '' };
    expect((await putJson(port, '/set_container_start_values', values)).status).toBe(200);
    const fractalId = info.Config.Labels['fractal.id'];
    const ready = join(dir, 'fractal', fractalId, 'containerResourceMappings', '.ready');
    expect((await stat(ready)).isFile()).toBe(true);

    const version2 = `${VERSION}-upgrade.${process.pid}`;
    const v2 = await makeV2(v1, version2);
    const upgrade = await runProgram(join(v2, 'install.sh'), [
      '--root',
      root,
      '--detach-pid',
      String(old.daemon.child.pid),
    ]);
    expect(upgrade).toMatchObject({ code: 0, stderr: '' });
    expect(upgrade.stdout).toContain('detached');
    expect(await old.daemon.exited).toBe(0);
    // systemd hears of the detach as a stop in progress, not as a crash.
    expect(old.listener.messages()).toContain('STOPPING=1\nSTATUS=stopping on SIGUSR2');
    expect(await readlink(join(root, 'opt', 'fractal', 'host-service', 'current'))).toBe(version2);
    expect((await docker.getContainer(id).inspect()).State.Running).toBe(true);

    const next = start(root, port);
    await next.listener.waitFor('READY=1', 90_000);
    expect((await docker.getContainer(id).inspect()).State.Running).toBe(true);
    expect((await stat(ready)).isFile()).toBe(true);
    // Adopted: the new daemon handles the container's death (saves its settings, frees its dir).
    await writeFile(join(dir, 'fractal', fractalId, 'userConfigs', 'unpacked_configs', 'kept.txt'), 'kept');
    await docker.getContainer(id).kill();
    const archive = join(dir, 'store', 'upgrade-user', TEST_APP, 'fractal-app-config.tar.lz4.enc');
    await waitFor(
      "the adopted container's settings to be saved",
      async () => (await stat(archive)).isFile() || undefined,
    );

    next.daemon.child.kill('SIGTERM');
    await next.listener.waitFor('STOPPING=1', 10_000);
    expect(await next.daemon.exited).toBe(0);
  });
});

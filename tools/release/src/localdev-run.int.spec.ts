import Dockerode from 'dockerode';
import { join } from 'node:path';
import { NotifyListener } from '@fractal/sdnotify/testing';
import { TEST_APP, removeTestContainers, freePort, spinUp, startArtifact, waitFor } from '../test/daemon';
import type { Daemon } from '../test/daemon';
import { extractRelease, pathWithoutNode, removeTempDir, tempDir } from '../test/release';

/**
 * The extracted artifact as systemd runs it: Type=notify with NOTIFY_SOCKET, no Node on PATH,
 * driven through its HTTPS API, stopped with SIGTERM.
 */
describe('the extracted release running in localdev', () => {
  const docker = new Dockerode();
  let dir: string;
  let top: string;
  let path: string;
  let daemon: Daemon | undefined;
  let listener: NotifyListener | undefined;

  beforeAll(async () => {
    dir = await tempDir('run');
    top = await extractRelease(dir);
    path = await pathWithoutNode(dir);
  });
  afterAll(async () => {
    await daemon?.kill();
    listener?.close();
    await removeTestContainers(docker);
    await removeTempDir(dir);
  });

  it('sends READY=1 once the API listens, serves a spin-up, then STOPPING=1 and exits 0 on SIGTERM', async () => {
    listener = new NotifyListener(join(dir, 'notify.sock'));
    const port = await freePort();
    daemon = startArtifact(join(top, 'bin', 'host-service'), {
      PATH: path,
      APP_ENV: 'localdev',
      HOST_SERVICE_PORT: String(port),
      HOST_SERVICE_HOST: '127.0.0.1',
      FRACTAL_DIR: join(dir, 'fractal'),
      FRACTAL_PRIVATE_DIR: join(dir, 'private'),
      UINPUT: 'off',
      NOTIFY_SOCKET: listener.address,
    });
    const ready = await Promise.race([
      listener.waitFor('READY=1', 90_000),
      daemon.exited.then((code) => Promise.reject(new Error(`exited ${code}:\n${daemon?.output()}`))),
    ]);
    const readyMs = performance.now() - daemon.startedAt;
    console.log(`release: start to READY=1 took ${Math.round(readyMs)} ms`);
    expect(ready).toBe(`READY=1\nSTATUS=serving HTTPS on port ${port}`);
    expect(daemon.output()).toContain('host service ready');

    const id = await spinUp(port);
    const info = await docker.getContainer(id).inspect();
    expect(info.State.Running).toBe(true);
    expect(info.Config.Labels['fractal.app']).toBe(TEST_APP);

    expect(listener.messages().some((m) => m.startsWith('STOPPING=1'))).toBe(false);
    daemon.child.kill('SIGTERM');
    await expect(listener.waitFor('STOPPING=1', 10_000)).resolves.toBe(
      'STOPPING=1\nSTATUS=stopping on SIGTERM',
    );
    expect(await daemon.exited).toBe(0);
    // SIGTERM means the host is going away: the daemon removed its container.
    await waitFor('the container to be removed', () =>
      docker
        .getContainer(id)
        .inspect()
        .then(
          () => undefined,
          () => true,
        ),
    );
  });

  it('exits 78 without READY=1 when a setting is bad (the unit does not restart it)', async () => {
    const bad = new NotifyListener();
    try {
      const d = startArtifact(join(top, 'bin', 'host-service'), {
        PATH: path,
        APP_ENV: 'production',
        NOTIFY_SOCKET: bad.address,
      });
      expect(await d.exited).toBe(78);
      expect(d.output()).toContain('WEBSERVER_AUTH_SECRET is required when APP_ENV is production');
      expect(bad.messages()).toEqual([]);
    } finally {
      bad.close();
    }
  });
});

import { connectDocker } from './docker-connect';
import type { DockerProbe } from './docker-connect';

/** An engine that answers once `up` is set. */
class FakeEngine implements DockerProbe {
  up = false;
  runtimes: Record<string, unknown> = { runc: {} };
  async ping(): Promise<unknown> {
    if (!this.up) throw new Error('connect ENOENT /var/run/docker.sock');
    return 'OK';
  }
  async info(): Promise<{ Runtimes?: Record<string, unknown> }> {
    return { Runtimes: this.runtimes };
  }
}

const logger = { info: () => undefined, warn: () => undefined };
const base = { describe: 'unix:///var/run/docker.sock', logger, pollMs: 1, sleep: async () => undefined };

describe('connectDocker', () => {
  it('reports the NVIDIA runtime from docker info', async () => {
    const engine = new FakeEngine();
    engine.up = true;
    const start = jest.fn();
    await expect(
      connectDocker({ ...base, docker: engine, systemdRunning: async () => true, startEngine: start }),
    ).resolves.toEqual({
      hasNvidiaRuntime: false,
    });
    engine.runtimes = { runc: {}, nvidia: { path: 'nvidia-container-runtime' } };
    await expect(
      connectDocker({ ...base, docker: engine, systemdRunning: async () => true, startEngine: start }),
    ).resolves.toEqual({
      hasNvidiaRuntime: true,
    });
    expect(start).not.toHaveBeenCalled();
  });

  it('starts the engine through systemd when it does not answer', async () => {
    const engine = new FakeEngine();
    const result = await connectDocker({
      ...base,
      docker: engine,
      systemdRunning: async () => true,
      startEngine: async () => {
        engine.up = true;
      },
    });
    expect(result.hasNvidiaRuntime).toBe(false);
  });

  it('fails clearly without systemd', async () => {
    await expect(
      connectDocker({
        ...base,
        docker: new FakeEngine(),
        systemdRunning: async () => false,
        startEngine: async () => undefined,
      }),
    ).rejects.toMatchObject({
      code: 'DOCKER_UNAVAILABLE',
      message:
        'the Docker engine does not answer at unix:///var/run/docker.sock (connect ENOENT /var/run/docker.sock) and ' +
        'systemd is not running here to start it; start dockerd (e.g. tools/docker/ensure-engine.sh) and run the host service again',
    });
  });

  it('fails clearly when systemctl cannot bring it up', async () => {
    await expect(
      connectDocker({
        ...base,
        docker: new FakeEngine(),
        waitMs: 5,
        systemdRunning: async () => true,
        startEngine: async () => undefined,
      }),
    ).rejects.toThrow('still does not answer at unix:///var/run/docker.sock after `systemctl start docker`');
  });

  it('treats a hung ping as no answer', async () => {
    const hung: DockerProbe = { ping: () => new Promise(() => undefined), info: async () => ({}) };
    await expect(
      connectDocker({
        ...base,
        docker: hung,
        pingTimeoutMs: 10,
        systemdRunning: async () => false,
        startEngine: async () => undefined,
      }),
    ).rejects.toThrow('(no answer within 10 ms)');
  });

  it('fails clearly when the engine answers ping but hangs on docker info', async () => {
    const halfHung: DockerProbe = { ping: async () => 'OK', info: () => new Promise(() => undefined) };
    await expect(
      connectDocker({
        docker: halfHung,
        describe: 'unix:///var/run/docker.sock',
        systemdRunning: async () => false,
        startEngine: async () => undefined,
        logger,
        pingTimeoutMs: 10,
      }),
    ).rejects.toMatchObject({
      code: 'DOCKER_UNAVAILABLE',
      message: expect.stringContaining(
        'answers ping but not `docker info`: docker info did not finish within 60 ms',
      ),
    });
  });
});

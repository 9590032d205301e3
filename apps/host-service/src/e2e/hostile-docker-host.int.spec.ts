import Dockerode from 'dockerode';
import { request } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, startDaemon } from '../../test/e2e/daemon-process';
import type { DaemonProcess } from '../../test/e2e/daemon-process';
import { dockerCli } from '../../test/e2e/docker-cli';
import { IMAGE, removeInstanceContainers } from '../../test/e2e/hostile-support';
import { startSecondEngine } from '../../test/e2e/second-engine';
import type { SecondEngine } from '../../test/e2e/second-engine';
import { makeTempRoot, removeTempRoot } from '../../test/e2e/temp-root';

/** GET `path` on a Docker API unix socket (the interposer's, as the agent calls it); the JSON body. */
function getJson(socketPath: string, path: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', timeout: 30_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${path}: ${res.statusCode} ${body}`));
        else resolve(JSON.parse(body) as Record<string, unknown>);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The daemon runs with DOCKER_HOST naming a second, real dockerd this spec starts (own data-root,
 * exec-root, containerd and private bridge; see test/e2e/second-engine.ts). The host's engine is the
 * wrong answer: whatever reaches it instead shows up in the checks against it.
 */
describe('the ECS interposer honours DOCKER_HOST', () => {
  const host = new Dockerode();
  const probe = `hostile-probe=${process.pid}`;
  let root: string;
  let engine: SecondEngine | undefined;
  let daemon: DaemonProcess | undefined;
  const fractalDir = (): string => join(root, 'fractal');

  beforeAll(async () => {
    root = await makeTempRoot('hostile-docker-host');
    engine = await startSecondEngine(join(root, 'engine'));
    process.stdout.write(`second engine answered after ${engine.startMs} ms (bridge ${engine.bridge})\n`);
    await engine.loadImage(IMAGE, host);
  }, 120_000);

  afterAll(async () => {
    await daemon?.kill();
    await engine?.stop();
    // Only there if something went to the host's engine instead of DOCKER_HOST's.
    const strays = await host.listContainers({ all: true, filters: { label: [probe] } }).catch(() => []);
    for (const c of strays)
      await host
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    await removeInstanceContainers(host, fractalDir());
    await removeTempRoot(root);
  }, 90_000);

  it('sends the agent’s requests to the engine DOCKER_HOST names, like the daemon’s own', async () => {
    if (!engine) throw new Error('no second engine');
    const socketPath = join(root, 'run', 'ecs-docker.sock');
    const configFile = join(root, 'ecs.config');
    await writeFile(configFile, 'ECS_CLUSTER=hostile\n');
    daemon = startDaemon({
      APP_ENV: 'localdev',
      DOCKER_HOST: engine.dockerHost,
      HOST_SERVICE_PORT: String(await freePort()),
      HOST_SERVICE_HOST: '127.0.0.1',
      FRACTAL_DIR: fractalDir(),
      FRACTAL_PRIVATE_DIR: join(root, 'private'),
      UINPUT: 'off',
      ECS_BRIDGE: 'on',
      ECS_CONFIG_FILE: configFile,
      ECS_BRIDGE_SOCKET: socketPath,
      ECS_AGENT_IMAGE: IMAGE,
      ECS_AGENT_LOG_DIR: join(root, 'ecs-log'),
      ECS_AGENT_DATA_DIR: join(root, 'ecs-data'),
      ECS_AGENT_CONFIG_DIR: join(root, 'ecs-etc'),
    });
    const agentId = String((await daemon.waitForLog('ECS agent started', 90_000)).containerId);
    await daemon.waitForLog('host service ready', 90_000);

    // The daemon itself went through DOCKER_HOST (it always did): the agent runs on that engine
    // (the image is only there because this spec loaded it), and the host's engine never saw it.
    const agent = await engine.docker.getContainer(agentId).inspect();
    expect(agent).toMatchObject({ Name: '/ecs-agent', State: { Running: true } });
    expect(agent.Config.Labels['fractal.ecs-agent']).toBe('true');
    await expect(host.getContainer(agentId).inspect()).rejects.toMatchObject({ statusCode: 404 });

    // ... and so does what the agent sends through the interposer: the engine that answers is
    // DOCKER_HOST's (its ID, data-root and engine label), not the host's. (Name cannot tell them
    // apart: both engines report the hostname.)
    const hostInfo = (await host.info()) as { ID: string; DockerRootDir: string; Labels?: string[] };
    const seen = await getJson(socketPath, '/v1.41/info');
    expect(seen.ID).toBe(engine.id);
    expect(hostInfo.ID).not.toBe(engine.id);
    expect(seen.DockerRootDir).toBe(engine.dataRoot);
    expect(seen.Labels).toContain(engine.label);
    expect(hostInfo.DockerRootDir).not.toBe(engine.dataRoot);
    expect(hostInfo.Labels ?? []).not.toContain(engine.label);

    // A container the agent creates lands on that engine only ...
    const created = await dockerCli(socketPath, ['create', '--label', probe, IMAGE]);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const probeId = created.stdout.trim();
    const there = await engine.docker.listContainers({ all: true, filters: { label: [probe] } });
    expect(there.map((c) => c.Id)).toEqual([probeId]);
    expect(await host.listContainers({ all: true, filters: { label: [probe] } })).toEqual([]);

    // ... and what it lists is that engine's view: its own container and the probe.
    const ps = await dockerCli(socketPath, ['ps', '-a', '-q', '--no-trunc', '--filter', `label=${probe}`]);
    expect(ps).toMatchObject({ code: 0, stderr: '' });
    expect(ps.stdout.trim()).toBe(probeId);
    const self = await dockerCli(socketPath, ['inspect', '-f', '{{.Id}}', 'ecs-agent']);
    expect(self).toMatchObject({ code: 0, stderr: '' });
    expect(self.stdout.trim()).toBe(agentId);
  }, 180_000);
});

import Dockerode from 'dockerode';
import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, startDaemon } from './support/daemon-process';
import type { DaemonProcess } from './support/daemon-process';
import { dockerCli } from './support/docker-cli';
import { IMAGE, removeInstanceContainers } from './support/hostile-support';
import { makeTempRoot, removeTempRoot } from './support/temp-root';

const AGENT_NAME = `ecs-agent-hostile-${process.pid}`;

/**
 * A recording stand-in for a second engine: a unix socket that logs every request and relays it
 * to the host's engine. (A real second dockerd needs its own bridge, iptables chains and
 * containerd on a host shared with other runs; the stand-in shows the same thing: which engine
 * each request goes to.) It renames the fixed `ecs-agent` container so runs sharing the engine
 * never touch each other's agent.
 */
function recordingEngine(path: string, seen: string[]): Promise<Server> {
  const server = createServer((req, res) => {
    const url = (req.url ?? '/').replace(/([?&]name=|\/containers\/)ecs-agent(?=[/&]|$)/, `$1${AGENT_NAME}`);
    seen.push(`${req.method} ${decodeURIComponent(url)}`);
    const upstream = request(
      { socketPath: '/var/run/docker.sock', method: req.method, path: url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        // The events stream sends headers long before its first event: pass them on now.
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

describe('the ECS interposer honours DOCKER_HOST', () => {
  const docker = new Dockerode();
  let root: string;
  let engine: Server | undefined;
  let daemon: DaemonProcess | undefined;
  const fractalDir = (): string => join(root, 'fractal');

  beforeAll(async () => {
    root = await makeTempRoot('hostile-docker-host');
  });

  afterAll(async () => {
    await daemon?.kill();
    await docker
      .getContainer(AGENT_NAME)
      .remove({ force: true })
      .catch(() => undefined);
    await removeInstanceContainers(docker, fractalDir());
    engine?.closeAllConnections();
    await new Promise((r) => (engine ? engine.close(r) : r(undefined)));
    await removeTempRoot(root);
  });

  it('sends the agent’s requests to the engine DOCKER_HOST names, like the daemon’s own', async () => {
    const seen: string[] = [];
    const enginePath = join(root, 'engine.sock');
    engine = await recordingEngine(enginePath, seen);
    const socketPath = join(root, 'run', 'ecs-docker.sock');
    const configFile = join(root, 'ecs.config');
    await writeFile(configFile, 'ECS_CLUSTER=hostile\n');
    daemon = startDaemon({
      APP_ENV: 'localdev',
      DOCKER_HOST: `unix://${enginePath}`,
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
    await daemon.waitForLog('host service ready', 90_000).catch((err: Error) => {
      throw new Error(`${err.message}\nengine saw:\n${seen.join('\n')}`);
    });
    // The daemon itself went through DOCKER_HOST (it always did) ...
    expect(seen.some((l) => l.includes(`name=${AGENT_NAME}`))).toBe(true);

    // ... and so does what the agent sends through the interposer.
    const probe = `hostile-probe=${process.pid}`;
    const ps = await dockerCli(socketPath, ['ps', '-a', '--filter', `label=${probe}`]);
    expect(ps.code).toBe(0);
    expect(seen.filter((l) => l.includes('/containers/json') && l.includes(probe))).toHaveLength(1);
  }, 150_000);
});

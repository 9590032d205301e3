import Dockerode from 'dockerode';
import { removeContainers, removeLabelled } from '@tools/testing';
import { request } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ecsBridgeEnv } from '../../test/e2e/daemon-env';
import { dockerCli } from '../../test/e2e/docker-cli';
import { freePort, startDaemon } from '../../test/e2e/daemon-process';
import type { DaemonProcess } from '../../test/e2e/daemon-process';
import { ops, opsPortFrom, sample } from '../../test/e2e/ops-client';
import { makeTempRoot, removeTempRoot } from '../../test/e2e/temp-root';

const IMAGE = 'fractal/test-protocol:latest';
const LABEL = `fractal.test=ops-ecs-${process.pid}`;

/** A raw create on the interposer socket, as the agent's Docker client sends it. */
function rawCreate(socketPath: string): Promise<{ status: number; body: string }> {
  const payload = JSON.stringify({ Image: IMAGE, Labels: { 'fractal.test': LABEL.split('=')[1] } });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path: '/v1.41/containers/create',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** ECS creates through the interposer: counted as `ecs`, refused with a Docker-style 503 while draining. */
describe('ops with the ECS bridge (localdev, test image as the agent)', () => {
  const docker = new Dockerode();
  let root: string;
  let daemon: DaemonProcess | undefined;
  let agentId: string | undefined;

  beforeAll(async () => {
    root = await makeTempRoot('ops-ecs');
  });
  afterAll(async () => {
    await daemon?.kill();
    await removeContainers(docker, agentId ? [agentId] : []);
    await removeLabelled(docker, LABEL);
    await removeTempRoot(root);
  });

  it('lists the agent’s containers as ecs and refuses its creates with 503 while draining', async () => {
    const socketPath = join(root, 'run', 'ecs-docker.sock');
    const configFile = join(root, 'ecs.config');
    await writeFile(configFile, 'ECS_CLUSTER=ops-test\n');
    daemon = startDaemon({
      HOST_SERVICE_PORT: String(await freePort()),
      HOST_SERVICE_HOST: '127.0.0.1',
      FRACTAL_DIR: join(root, 'fractal'),
      FRACTAL_PRIVATE_DIR: join(root, 'private'),
      UINPUT: 'off',
      ...ecsBridgeEnv(root, { socketPath, configFile, image: IMAGE }),
    });
    const opsPort = opsPortFrom(await daemon.waitForLog('ops listener on'));
    agentId = String((await daemon.waitForLog('ECS agent started')).containerId);
    await daemon.waitForLog('host service ready');

    const run = await dockerCli(socketPath, ['run', '-d', '--label', LABEL, '-p', '0:32262', IMAGE]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const dockerId = run.stdout.trim();
    const list = (await ops(opsPort, '/v1/containers')).json<{ dockerId: string; source: string }[]>();
    expect(list).toEqual([expect.objectContaining({ dockerId, source: 'ecs' })]);
    expect(sample((await ops(opsPort, '/metrics')).text, 'fractal_spin_up_seconds_count')).toBe(1);

    expect((await ops(opsPort, '/v1/drain', 'POST')).status).toBe(200);
    const refused = await rawCreate(socketPath);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toEqual({ message: 'host is draining' });
    const cli = await dockerCli(socketPath, ['create', '--label', LABEL, IMAGE]);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('host is draining');
    // The running session is untouched.
    expect((await docker.getContainer(dockerId).inspect()).State.Running).toBe(true);
    expect((await ops(opsPort, '/v1/containers')).json()).toHaveLength(1);

    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  }, 180_000);
});

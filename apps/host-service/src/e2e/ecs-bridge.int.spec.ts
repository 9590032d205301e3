import Dockerode from 'dockerode';
import { removeContainers, removeLabelled } from '@tools/testing';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ecsBridgeEnv } from '../../test/e2e/daemon-env';
import { dockerCli, waitFor } from '../../test/e2e/docker-cli';
import { freePort, putJson, startDaemon } from '../../test/e2e/daemon-process';
import type { DaemonProcess } from '../../test/e2e/daemon-process';
import { ops, opsPortFrom, sample } from '../../test/e2e/ops-client';
import { makeTempRoot, mountsUnder, removeTempRoot } from '../../test/e2e/temp-root';

const IMAGE = 'fractal/test-protocol:latest';
const SECRET = 'testwebserverauthsecretdev';
const LABEL_VALUE = `ecs-daemon-${process.pid}`; // per run: other runs may share the engine
const LABEL = `fractal.test=${LABEL_VALUE}`;
const PLACEHOLDER = '%%FRACTAL_ID_PLACEHOLDER%%';

const gone = (path: string): Promise<boolean> =>
  stat(path).then(
    () => false,
    (err: NodeJS.ErrnoException) => err.code === 'ENOENT',
  );

/**
 * The daemon with ECS_BRIDGE=on: the test image stands in for the ECS agent (it only waits and
 * prints), and the Docker CLI on the interposer socket stands in for the agent's creates.
 */
describe('host service with the ECS bridge (localdev, test image as the agent)', () => {
  const docker = new Dockerode();
  let root: string;
  let daemon: DaemonProcess | undefined;
  let agentId: string | undefined;
  let socketPath = '';

  beforeAll(async () => {
    root = await makeTempRoot('ecs');
  });

  afterAll(async () => {
    await daemon?.kill();
    // The daemon names its agent `ecs-agent`; if it died before logging the id, find it by our socket.
    const named = await docker
      .getContainer('ecs-agent')
      .inspect()
      .catch(() => undefined);
    if (named?.HostConfig.Binds?.includes(`${socketPath}:/var/run/docker.sock`)) agentId ??= named.Id;
    await removeContainers(docker, agentId ? [agentId] : []);
    await removeLabelled(docker, LABEL);
    await removeTempRoot(root);
  });

  it('runs the agent through our proxy, readies a container it creates, and restarts the agent when it dies', async () => {
    const fractalDir = join(root, 'fractal');
    socketPath = join(root, 'run', 'ecs-docker.sock');
    const agentDirs = {
      log: join(root, 'ecs-log'),
      data: join(root, 'ecs-data'),
      config: join(root, 'ecs-etc'),
    };
    const configFile = join(root, 'ecs.config');
    await writeFile(configFile, '# written by the test\nECS_CLUSTER=test-cluster\nECS_LOGLEVEL=debug\n');
    const port = await freePort();
    daemon = startDaemon({
      APP_ENV: 'localdev',
      HOST_SERVICE_PORT: String(port),
      HOST_SERVICE_HOST: '127.0.0.1',
      FRACTAL_DIR: fractalDir,
      FRACTAL_PRIVATE_DIR: join(root, 'private'),
      UINPUT: 'off',
      ...ecsBridgeEnv(root, { socketPath, configFile, image: IMAGE }),
    });
    const opsPort = opsPortFrom(await daemon.waitForLog('ops listener on'));
    const started = await daemon.waitForLog('ECS agent started');
    agentId = String(started.containerId);
    await daemon.waitForLog('host service ready');

    const agent = await docker.getContainer(agentId).inspect();
    expect(agent.State.Running).toBe(true);
    expect(agent.Config.Image).toBe(IMAGE);
    expect(agent.Config.Env).toEqual(
      expect.arrayContaining(['ECS_CLUSTER=test-cluster', 'ECS_LOGLEVEL=debug', 'ECS_DATADIR=/data']),
    );
    expect(agent.HostConfig.NetworkMode).toBe('host');
    expect([...(agent.HostConfig.Binds ?? [])].sort()).toEqual(
      [
        `${agentDirs.log}:/log`,
        `${agentDirs.data}:/data`,
        `${agentDirs.config}:/etc/ecs`,
        `${socketPath}:/var/run/docker.sock`,
      ].sort(),
    );
    expect((await stat(socketPath)).mode & 0o777).toBe(0o600);
    const agentLine = await waitFor('the agent output in the daemon log', () =>
      daemon
        ?.logLines()
        .find((l) => l.source === 'ecs-agent' && String(l.msg).includes('test-protocol: waiting')),
    );
    expect(agentLine).toMatchObject({ component: 'ecs-agent', stream: 'stdout' });

    // What the agent does for a task: create and start through the socket it was given.
    const run = await dockerCli(socketPath, [
      'run',
      '-d',
      '--label',
      LABEL,
      '-p',
      '0:32262',
      '-v',
      `${fractalDir}/${PLACEHOLDER}/containerResourceMappings:/fractal/resourceMappings:ro`,
      IMAGE,
    ]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const dockerId = run.stdout.trim();
    const info = await docker.getContainer(dockerId).inspect();
    const fractalId = info.Config.Labels['fractal.id'];
    const hostPort = Number(info.NetworkSettings.Ports['32262/tcp']?.[0]?.HostPort);
    expect(fractalId).toMatch(/^[0-9a-f]{32}$/);
    expect(info.Config.Labels['fractal.app']).toBe('test-protocol');
    expect(hostPort).toBeGreaterThan(0);
    const resources = join(fractalDir, fractalId, 'containerResourceMappings');
    expect(info.HostConfig.Binds).toEqual([`${resources}:/fractal/resourceMappings:ro`]);
    expect(await readFile(join(resources, 'hostPort_for_my_32262_tcp'), 'utf8')).toBe(String(hostPort));

    const common = { host_port: hostPort, user_id: 'ecs-user', client_app_auth_secret: 'client-secret' };
    const values = await putJson(port, '/set_container_start_values', {
      ...common,
      auth_secret: SECRET,
      dpi: 192,
      container_ARN: 'arn:aws:ecs:local:0:task/ecs-e2e',
    });
    expect(values).toEqual({ status: 200, body: { result: expect.any(String) } });
    const token = await putJson(port, '/set_config_encryption_token', {
      ...common,
      config_encryption_token: 'ecs-token',
    });
    expect(token).toEqual({ status: 200, body: { result: expect.any(String) } });
    const logs = await waitFor('the container to see .ready', async () => {
      const out = (await docker.getContainer(dockerId).logs({ stdout: true, stderr: true })).toString('utf8');
      // It prints the resource files just after `ready`: wait for the lines, not only the first.
      return out.includes('test-protocol: ready') && out.includes('DPI=') && out.includes('ContainerARN=')
        ? out
        : undefined;
    });
    expect(logs).toContain('test-protocol: DPI=192');
    expect(logs).toContain('test-protocol: ContainerARN=arn:aws:ecs:local:0:task/ecs-e2e');
    // The ops view reads the record: made through the agent's create, ready once both arrived.
    expect((await ops(opsPort, `/v1/containers/${fractalId}`)).json()).toMatchObject({
      dockerId,
      source: 'ecs',
      phase: 'ready',
      ready: true,
      userId: 'ecs-user',
    });
    expect(sample((await ops(opsPort, '/metrics')).text, 'fractal_ecs_agent_restarts_total')).toBe(0);

    // An agent exit (docker kill, a routine agent restart) restarts the agent; sessions go on.
    await docker.getContainer(agentId).kill();
    const restarted = await waitFor('the agent to come back', () =>
      daemon?.logLines().find((l) => l.msg === 'ECS agent started' && l.containerId !== agentId),
    );
    const firstAgent = agentId;
    agentId = String(restarted.containerId);
    expect((await docker.getContainer(agentId).inspect()).State.Running).toBe(true);
    await expect(docker.getContainer(firstAgent).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await docker.getContainer(dockerId).inspect()).State.Running).toBe(true);
    expect((await stat(join(resources, '.ready'))).isFile()).toBe(true);
    expect(sample((await ops(opsPort, '/metrics')).text, 'fractal_ecs_agent_restarts_total')).toBe(1);
    // Still tracked: the token is already set.
    const again = await putJson(port, '/set_config_encryption_token', {
      ...common,
      config_encryption_token: 'ecs-token',
    });
    expect(again.status).toBe(406);
    expect(daemon.logLines().some((l) => String(l.msg).startsWith('fatal'))).toBe(false);

    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    for (const id of [dockerId, agentId]) {
      await expect(docker.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    }
    expect(await gone(fractalDir)).toBe(true);
    expect(await gone(socketPath)).toBe(true);
    expect(await mountsUnder(root)).toEqual([]);
  });
});

import Dockerode from 'dockerode';
import { removeContainers } from '@tools/testing';
import { join } from 'node:path';
import { waitFor } from '../../test/e2e/docker-cli';
import { freePort, putJson, startDaemon } from '../../test/e2e/daemon-process';
import type { DaemonProcess } from '../../test/e2e/daemon-process';
import { ops, opsPortFrom, promtool, sample } from '../../test/e2e/ops-client';
import { makeTempRoot, removeTempRoot } from '../../test/e2e/temp-root';

const SECRET = 'testwebserverauthsecretdev';
const SPIN = {
  auth_secret: SECRET,
  app_name: 'ops-app',
  app_image: 'fractal/test-protocol:latest',
  mount_command: '',
  protocol_timeout: 60,
};
const N = 3;

interface Summary {
  fractalId: string;
  dockerId: string;
  appName: string;
  hostPorts: Record<string, number>;
  tty: number;
  phase: string;
  ready: boolean;
  source: string;
  createdAt: string;
}

/** The built daemon's ops listener in localdev, driven over real HTTP with the test image. */
describe('ops listener (localdev) as a process', () => {
  const docker = new Dockerode();
  let root: string;
  let daemon: DaemonProcess | undefined;
  const created: string[] = [];

  beforeAll(async () => {
    root = await makeTempRoot('ops');
  });
  afterAll(async () => {
    await daemon?.kill();
    await removeContainers(docker, created);
    await removeTempRoot(root);
  });

  it('serves metrics, health, containers, metadata, the API description and drain', async () => {
    const port = await freePort();
    daemon = startDaemon({
      HOST_SERVICE_PORT: String(port),
      HOST_SERVICE_HOST: '127.0.0.1',
      FRACTAL_DIR: join(root, 'fractal'),
      FRACTAL_PRIVATE_DIR: join(root, 'private'),
      UINPUT: 'off',
    });
    const listening = await daemon.waitForLog('ops listener on');
    const opsPort = opsPortFrom(listening);
    await daemon.waitForLog('host service ready');

    expect([(await ops(opsPort, '/healthz')).status, (await ops(opsPort, '/healthz')).json()]).toEqual([
      200,
      { status: 'ok' },
    ]);

    // N spin-ups through the API: the histogram counts N, the gauge shows N running.
    for (let i = 0; i < N; i += 1) {
      const spun = await putJson(port, '/spin_up_container', SPIN);
      expect(spun.status).toBe(200);
      created.push((spun.body as { result: string }).result);
    }
    const metrics = (await ops(opsPort, '/metrics')).text;
    expect(sample(metrics, 'fractal_spin_up_seconds_count')).toBe(N);
    expect(sample(metrics, 'fractal_containers{phase="running"}')).toBe(N);
    expect(sample(metrics, 'fractal_containers{phase="reserved"}')).toBe(0);
    expect(sample(metrics, 'fractal_containers{phase="ready"}')).toBe(0);
    expect(sample(metrics, 'fractal_host_ports_in_use{protocol="tcp"}')).toBe(2 * N);
    expect(sample(metrics, 'fractal_host_ports_in_use{protocol="udp"}')).toBe(N);
    expect(sample(metrics, 'fractal_ttys_in_use')).toBe(N);
    expect(sample(metrics, 'fractal_api_requests_total{route="/spin_up_container",status="200"}')).toBe(N);
    expect(sample(metrics, 'fractal_draining')).toBe(0);
    expect(sample(metrics, 'fractal_pending_config_uploads')).toBe(0);
    expect(metrics).toContain('process_cpu_seconds_total');
    expect(metrics).toContain('nodejs_heap_size_used_bytes');
    expect(await promtool(metrics)).toEqual({ code: 0, output: '' });

    const list = (await ops(opsPort, '/v1/containers')).json<Summary[]>();
    expect(list.map((c) => c.dockerId).sort()).toEqual([...created].sort());
    for (const c of list) {
      expect(c).toMatchObject({ appName: 'ops-app', phase: 'running', ready: false, source: 'api' });
      expect(Object.keys(c.hostPorts).sort()).toEqual(['32262/tcp', '32263/udp', '32273/tcp']);
      expect(c.tty).toBeGreaterThanOrEqual(10);
      expect(Date.parse(c.createdAt)).toBeGreaterThan(Date.now() - 120_000);
    }
    const one = list[0];
    expect((await ops(opsPort, `/v1/containers/${one.fractalId}`)).json()).toEqual(one);
    expect((await ops(opsPort, '/v1/containers/nope')).status).toBe(404);

    const meta = (await ops(opsPort, '/v1/metadata')).json<Record<string, unknown>>();
    expect(meta).toMatchObject({
      appEnv: 'localdev',
      draining: false,
      containers: N,
      nodeVersion: process.version,
    });
    expect(typeof meta.version).toBe('string');
    expect(typeof meta.uptimeSeconds).toBe('number');
    const openapi = (await ops(opsPort, '/openapi.json')).json<{ openapi: string; paths: object }>();
    expect(openapi.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.paths)).toContain('/drain_host');

    // A container that dies: one `container died` line with its exit code, and the gauge follows.
    await docker.getContainer(created[0]).kill({ signal: 'SIGKILL' });
    const died = await waitFor('the container died line', () =>
      daemon?.logLines().find((l) => String(l.msg).startsWith('container died') && l.dockerId === created[0]),
    );
    // Only this daemon's containers: others on the shared engine are not ours to log.
    const ours = new Set(created);
    expect(
      daemon
        .logLines()
        .filter((l) => String(l.msg).startsWith('container died') && !ours.has(String(l.dockerId))),
    ).toEqual([]);
    expect(died).toMatchObject({ dockerId: created[0], exitCode: 137, oomKilled: false, level: 'warn' });
    const raw = daemon
      .output()
      .split('\n')
      .find((l) => l.includes('"container died'));
    expect(raw?.match(/"component"/g)).toHaveLength(1);
    await waitFor('the gauge to drop', async () => {
      const text = (await ops(opsPort, '/metrics')).text;
      return sample(text, 'fractal_containers{phase="running"}') === N - 1 ? true : undefined;
    });

    // Drain from the ops side: new spin-ups refused, the running ones stay.
    const drained = await ops(opsPort, '/v1/drain', 'POST');
    expect(drained.json()).toMatchObject({ draining: true, alreadyDraining: false, drain: { by: 'ops' } });
    expect(await putJson(port, '/spin_up_container', SPIN)).toEqual({
      status: 406,
      body: { result: '', error: 'host is draining', code: 'DRAINING' },
    });
    expect((await ops(opsPort, '/v1/metadata')).json()).toMatchObject({ draining: true, containers: N - 1 });
    expect(sample((await ops(opsPort, '/metrics')).text, 'fractal_draining')).toBe(1);
    expect(daemon.logLines().filter((l) => String(l.msg).startsWith('host draining'))).toHaveLength(1);

    // Request lines: id echoed and logged with the client address and the container.
    const hostPort = list.find((c) => c.dockerId === created[1])?.hostPorts['32262/tcp'];
    const res = await fetch(`http://127.0.0.1:${opsPort}/healthz`);
    expect(res.status).toBe(200);
    await putJson(port, '/set_config_encryption_token', {
      host_port: hostPort,
      user_id: 'u',
      config_encryption_token: 't',
      client_app_auth_secret: 'c',
    });
    const line = await daemon.waitForLog('request');
    expect(line).toMatchObject({
      client: expect.stringMatching(/127\.0\.0\.1/),
      requestId: expect.any(String),
    });
    const tokenLine = daemon
      .logLines()
      .find((l) => l.msg === 'request' && l.path === '/set_config_encryption_token');
    expect(tokenLine).toMatchObject({
      status: 200,
      fractalId: list.find((c) => c.dockerId === created[1])?.fractalId,
    });

    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  }, 180_000);
});

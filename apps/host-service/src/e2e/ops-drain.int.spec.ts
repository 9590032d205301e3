import { startImdsStandIn } from '../../test/imds-stand-in';
import type { ImdsStandIn } from '../../test/imds-stand-in';
import { startWebserverStandIn } from '../../test/webserver-stand-in';
import type { WebserverStandIn } from '../../test/webserver-stand-in';
import { freePort, putJson, startDaemon } from '../../test/e2e/daemon-process';
import type { DaemonProcess } from '../../test/e2e/daemon-process';
import { developmentEnv } from '../../test/e2e/daemon-env';
import { ops, opsPortFrom, promtool, sample } from '../../test/e2e/ops-client';
import { makeTempRoot, removeTempRoot } from '../../test/e2e/temp-root';

const SECRET = 'e2e-webserver-secret';

/** Drain outside localdev: the webserver's PUT /drain_host and the notices read from IMDS. */
describe('drain (development) as a process', () => {
  let root: string;
  let imds: ImdsStandIn;
  let web: WebserverStandIn;
  let daemon: DaemonProcess | undefined;

  const start = async (): Promise<{ port: number; opsPort: number; d: DaemonProcess }> => {
    const port = await freePort();
    const d = startDaemon({
      ...developmentEnv(root, port, { imds, web, secret: SECRET }),
      HEARTBEAT_INTERVAL_MS: '200',
      DRAIN_POLL_INTERVAL_MS: '200',
    });
    daemon = d;
    const opsPort = opsPortFrom(await d.waitForLog('ops listener on'));
    await d.waitForLog('host service ready');
    return { port, opsPort, d };
  };

  beforeEach(async () => {
    root = await makeTempRoot('ops-drain');
    imds = await startImdsStandIn();
    web = await startWebserverStandIn();
  });
  afterEach(async () => {
    await daemon?.kill();
    daemon = undefined;
    await Promise.all([imds.close(), web.close()]);
    await removeTempRoot(root);
  });

  it('drains on PUT /drain_host: heartbeats carry IsDraining, metadata and metrics say so', async () => {
    const { port, opsPort } = await start();
    await web.waitForHeartbeats(1);
    expect(web.heartbeats[0].body).not.toHaveProperty('IsDraining');
    expect(
      sample((await ops(opsPort, '/metrics')).text, 'fractal_heartbeats_total{result="ok"}'),
    ).toBeGreaterThan(0);

    expect((await putJson(port, '/drain_host', { auth_secret: 'wrong' })).status).toBe(401);
    expect((await ops(opsPort, '/v1/metadata')).json()).toMatchObject({
      draining: false,
      instanceId: 'i-0123456789abcdef0',
    });
    expect(await putJson(port, '/drain_host', { auth_secret: SECRET })).toEqual({
      status: 200,
      body: { result: 'host is draining' },
    });
    await web.waitForHeartbeats(1, (b) => b.IsDraining === true);
    expect((await ops(opsPort, '/v1/metadata')).json()).toMatchObject({
      draining: true,
      drain: { by: 'api' },
    });
    const metrics = (await ops(opsPort, '/metrics')).text;
    expect(sample(metrics, 'fractal_draining')).toBe(1);
    expect(await promtool(metrics)).toEqual({ code: 0, output: '' });
    // Existing contract calls keep their answers while draining.
    const unknown = await putJson(port, '/set_config_encryption_token', {
      host_port: 40000,
      user_id: 'u',
      config_encryption_token: 't',
      client_app_auth_secret: 'c',
    });
    expect(unknown).toEqual({
      status: 406,
      body: { result: '', error: expect.any(String), code: 'UNKNOWN_HOST_PORT' },
    });

    daemon?.child.kill('SIGTERM');
    expect(await daemon?.exited).toBe(0);
    const dying = web.heartbeats.filter((h) => h.body.IsDyingHeartbeat === true);
    expect(dying).toEqual([expect.objectContaining({ body: expect.objectContaining({ IsDraining: true }) })]);
  }, 120_000);

  it('starts draining by itself on a spot interruption notice, and logs it', async () => {
    const { opsPort, d } = await start();
    await new Promise((r) => setTimeout(r, 600));
    expect((await ops(opsPort, '/v1/metadata')).json()).toMatchObject({ draining: false });
    imds.metadata['spot/instance-action'] = '{"action":"terminate","time":"2026-12-01T05:30:00Z"}';
    const line = await d.waitForLog('host draining', 10_000);
    expect(line).toMatchObject({
      level: 'warn',
      by: 'imds',
      reason: expect.stringContaining('spot interruption'),
    });
    expect((await ops(opsPort, '/v1/metadata')).json()).toMatchObject({
      draining: true,
      drain: { by: 'imds' },
    });
    await web.waitForHeartbeats(1, (b) => b.IsDraining === true);
    expect(imds.requests).toContain('GET /latest/meta-data/spot/instance-action stand-in-token');
  }, 120_000);

  it('starts draining when the Auto Scaling lifecycle state turns Terminated, not before', async () => {
    imds.metadata['autoscaling/target-lifecycle-state'] = 'InService';
    const { opsPort, d } = await start();
    await new Promise((r) => setTimeout(r, 600));
    expect((await ops(opsPort, '/v1/metadata')).json()).toMatchObject({ draining: false });
    imds.metadata['autoscaling/target-lifecycle-state'] = 'Terminated';
    const line = await d.waitForLog('host draining', 10_000);
    expect(line).toMatchObject({ by: 'imds', reason: 'Auto Scaling lifecycle state is Terminated' });
    expect(sample((await ops(opsPort, '/metrics')).text, 'fractal_draining')).toBe(1);
  }, 120_000);
});

import { readdir } from 'node:fs/promises';
import { STAND_IN_FACTS, startImdsStandIn } from '../../test/imds-stand-in';
import type { ImdsStandIn } from '../../test/imds-stand-in';
import { STAND_IN_AUTH_TOKEN, startWebserverStandIn } from '../../test/webserver-stand-in';
import type { WebserverStandIn } from '../../test/webserver-stand-in';
import { freePort, peerCertificate, putJson, startDaemon } from '../../test/e2e/daemon-process';
import type { DaemonProcess } from '../../test/e2e/daemon-process';
import { developmentEnv } from '../../test/e2e/daemon-env';
import { NODE_FLAGS } from '../config/node-flags';
import { makeTempRoot, mountsUnder, removeTempRoot } from '../../test/e2e/temp-root';

const SECRET = 'e2e-webserver-secret';

/** The built daemon in APP_ENV=development against stand-ins for IMDS and the webserver. */
describe('host service (development) as a process', () => {
  let root: string;
  let imds: ImdsStandIn;
  let web: WebserverStandIn;
  let daemon: DaemonProcess | undefined;

  const env = (port: number): Record<string, string> => ({
    ...developmentEnv(root, port, { imds, web, secret: SECRET }),
    HEARTBEAT_INTERVAL_MS: '300',
  });

  beforeEach(async () => {
    root = await makeTempRoot('dev');
    imds = await startImdsStandIn();
    web = await startWebserverStandIn();
  });

  afterEach(async () => {
    await daemon?.kill();
    daemon = undefined;
    await Promise.all([imds.close(), web.close()]);
    await removeTempRoot(root);
  });

  it('shakes hands, beats, answers as the webserver expects, and dies cleanly on SIGTERM', async () => {
    const port = await freePort();
    daemon = startDaemon(env(port));
    await daemon.waitForLog('host service ready');

    expect(web.handshakes).toEqual([
      {
        path: '/host_service/auth',
        body: {
          InstanceID: STAND_IN_FACTS['instance-id'],
          InstanceType: STAND_IN_FACTS['instance-type'],
          Region: STAND_IN_FACTS['placement/region'],
          AWSAmiID: STAND_IN_FACTS['ami-id'],
        },
      },
    ]);
    expect(imds.requests[0]).toBe('PUT /latest/api/token -');

    await web.waitForHeartbeats(2);
    const first = web.heartbeats[0].body;
    expect(Object.keys(first).sort()).toEqual(
      [
        'AuthToken',
        'AvailRAMinKB',
        'FreeRAMinKB',
        'HeartbeatNumber',
        'InstanceID',
        'IsDyingHeartbeat',
        'Timestamp',
        'TotalRAMinKB',
      ].sort(),
    );
    expect(first).toMatchObject({
      AuthToken: STAND_IN_AUTH_TOKEN,
      HeartbeatNumber: 1,
      InstanceID: STAND_IN_FACTS['instance-id'],
      IsDyingHeartbeat: false,
      Timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC$/),
      TotalRAMinKB: expect.stringMatching(/^\d+$/),
      FreeRAMinKB: expect.stringMatching(/^\d+$/),
      AvailRAMinKB: expect.stringMatching(/^\d+$/),
    });
    expect(web.heartbeats[1].body.HeartbeatNumber).toBe(2);

    // The webserver's and client app's calls, with the self-signed certificate.
    expect((await peerCertificate(port)).subjectaltname).toContain('IP Address:127.0.0.1');
    const startValues = {
      auth_secret: SECRET,
      host_port: 40000,
      dpi: 96,
      user_id: 'user@example.com',
      client_app_auth_secret: 'c',
      container_ARN: 'arn:aws:ecs:us-east-1:1:task/x',
    };
    const unknown = await putJson(port, '/set_container_start_values', startValues);
    expect(unknown.status).toBe(406);
    expect(unknown.body).toMatchObject({ result: '' });
    expect(
      (await putJson(port, '/set_container_start_values', { ...startValues, auth_secret: 'wrong' })).status,
    ).toBe(401);
    const token = {
      host_port: 40000,
      user_id: 'u',
      config_encryption_token: 't',
      client_app_auth_secret: 'c',
    };
    expect((await putJson(port, '/set_config_encryption_token', token)).status).toBe(406);
    const spinUp = {
      auth_secret: SECRET,
      app_name: 'a',
      app_image: 'i',
      mount_command: '',
      protocol_timeout: 60,
    };
    expect((await putJson(port, '/spin_up_container', spinUp)).status).toBe(404);
    expect((await putJson(port, '/nope', {})).status).toBe(404);
    expect((await putJson(port, '/set_container_start_values', 'not json')).status).toBe(400);

    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    const dying = web.heartbeats.filter((h) => h.body.IsDyingHeartbeat === true);
    expect(dying).toHaveLength(1);
    expect(dying[0].body.HeartbeatNumber).toBe(web.heartbeats.length);
    expect(await readdir(root)).toEqual(['store']);
    expect(await mountsUnder(root)).toEqual([]);
  });

  it('refuses to start, naming the endpoint, when IMDS does not answer', async () => {
    imds.failWith = 500;
    daemon = startDaemon(env(await freePort()));
    expect(await daemon.exited).toBe(1);
    expect(daemon.output()).toContain(
      `host-service: instance metadata service at ${imds.url}: PUT /latest/api/token answered 500`,
    );
    expect(web.handshakes).toEqual([]);
    expect(await readdir(root)).toEqual(['store']);
    expect(await mountsUnder(root)).toEqual([]);
    // Started as bin/host-service starts it: no warning about missing V8 flags.
    expect(daemon.output()).not.toContain('was started without');
  });

  it('warns, naming them, when node was started without the NODE_FLAGS', async () => {
    imds.failWith = 500; // the daemon exits right after the start-up lines
    daemon = startDaemon(env(await freePort()), [], { nodeFlags: [] });
    expect(await daemon.exited).toBe(1);
    const warning = daemon.logLines().find((l) => String(l.msg).includes('was started without'));
    expect(warning).toMatchObject({ level: 'warn', missingFlags: [...NODE_FLAGS] });
  });
});

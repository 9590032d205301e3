import Dockerode from 'dockerode';
import { execFileSync } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { putJson } from '../../test/e2e/daemon-process';
import { waitFor } from '../../test/e2e/docker-cli';
import {
  IMAGE,
  SECRET,
  fdCount,
  rawPut,
  removeInstanceContainers,
  rssBytes,
  startLocaldev,
} from '../../test/e2e/hostile-support';
import type { LocaldevDaemon } from '../../test/e2e/hostile-support';
import { makeTempRoot, removeTempRoot } from '../../test/e2e/temp-root';

const FD_LIMIT = 1024;
const MAX_CONNECTIONS = 300;
const PER_ADDRESS = 200;
const IDLE_TCP = 3000;
const TLS_IDLE = 250;
const WAVES = 3;
const MB = 1024 * 1024;

function open<T extends Socket>(make: () => T, ready: 'connect' | 'secureConnect'): Promise<T> {
  return new Promise((resolve) => {
    const s = make();
    s.on('error', () => undefined);
    s.once(ready, () => resolve(s));
    s.once('close', () => resolve(s));
  });
}

/**
 * One address floods the API with idle TCP and idle TLS connections, in waves, while the daemon's
 * open-file limit is 1024. The daemon must stay under its fd cap, keep serving another address,
 * save the settings of a container that dies mid-flood, and give its memory back afterwards.
 */
describe('connection flood from one address', () => {
  const docker = new Dockerode();
  let root: string;
  let d: LocaldevDaemon;

  beforeAll(async () => {
    root = await makeTempRoot('hostile-flood');
    d = await startLocaldev(root, 'flood', {
      API_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
      API_MAX_CONNECTIONS_PER_ADDRESS: String(PER_ADDRESS),
    });
  }, 90_000);

  afterAll(async () => {
    await d?.daemon.kill();
    if (d) await removeInstanceContainers(docker, d.fractalDir);
    await removeTempRoot(root);
  });

  it('keeps fds under the cap, serves others, saves a dying container and returns its memory', async () => {
    const pid = d.daemon.child.pid ?? 0;
    const spun = await putJson(d.port, '/spin_up_container', {
      auth_secret: SECRET,
      app_name: 'flood-app',
      app_image: IMAGE,
      mount_command: '',
      protocol_timeout: -1,
    });
    expect(spun.status).toBe(200);
    const dockerId = (spun.body as { result: string }).result;
    const info = await docker.getContainer(dockerId).inspect();
    const hostPort = Number(info.NetworkSettings.Ports['32262/tcp']?.[0]?.HostPort);
    const common = { host_port: hostPort, user_id: 'flood-user', client_app_auth_secret: 's' };
    expect(
      (await putJson(d.port, '/set_config_encryption_token', { ...common, config_encryption_token: 'tok' }))
        .status,
    ).toBe(200);
    expect(
      (
        await putJson(d.port, '/set_container_start_values', {
          ...common,
          auth_secret: SECRET,
          dpi: 96,
          container_ARN: '',
        })
      ).status,
    ).toBe(200);

    execFileSync('prlimit', ['--pid', String(pid), `--nofile=${FD_LIMIT}:${FD_LIMIT}`]);
    // Warm up the TLS and HTTP paths so "before" is a serving daemon, not a cold one.
    for (let i = 0; i < 20; i += 1) await rawPut(d.port, '/nothing', '{}', '127.0.0.2');
    const fdsBefore = fdCount(pid);
    const rssBefore = rssBytes(pid);
    let fdsPeak = fdsBefore;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      try {
        fdsPeak = Math.max(fdsPeak, fdCount(pid));
        rssPeak = Math.max(rssPeak, rssBytes(pid));
      } catch {
        // the daemon died: the assertions below say so
      }
    }, 20);
    const archive = join(d.store, 'flood-user', 'flood-app', 'fractal-app-config.tar.lz4.enc');
    const others: number[] = [];
    try {
      for (let wave = 1; wave <= WAVES; wave += 1) {
        const tls = await Promise.all(
          Array.from({ length: TLS_IDLE }, () =>
            open(
              () => tlsConnect({ host: '127.0.0.1', port: d.port, rejectUnauthorized: false }),
              'secureConnect',
            ),
          ),
        );
        const tcp = await Promise.all(
          Array.from({ length: IDLE_TCP }, () =>
            open(() => tcpConnect({ host: '127.0.0.1', port: d.port }), 'connect'),
          ),
        );
        // Mid-flood: another address is served, and the dying container's settings are saved.
        others.push((await rawPut(d.port, '/set_config_encryption_token', '{}', '127.0.0.2')).status);
        if (wave === 2) {
          await docker.getContainer(dockerId).kill();
          await waitFor(
            'the config archive saved mid-flood',
            async () => (await stat(archive)).isFile() || undefined,
            60_000,
          );
        }
        others.push((await rawPut(d.port, '/set_config_encryption_token', '{}', '127.0.0.2')).status);
        for (const s of [...tls, ...tcp]) s.destroy();
      }
      // Let the daemon see every close.
      await waitFor(
        'the flood connections to close',
        () => (fdCount(pid) <= fdsBefore + 5 ? true : undefined),
        30_000,
      );
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      clearInterval(sampler);
    }
    const rssAfter = rssBytes(pid);
    const fdsAfter = fdCount(pid);
    process.stdout.write(
      `flood figures: fds before ${fdsBefore}, peak ${fdsPeak}, after ${fdsAfter} (cap ${MAX_CONNECTIONS} connections, RLIMIT_NOFILE ${FD_LIMIT}); ` +
        `RSS before ${(rssBefore / MB).toFixed(1)} MB, peak ${(rssPeak / MB).toFixed(1)} MB, after ${(rssAfter / MB).toFixed(1)} MB\n`,
    );
    expect(others).toEqual(Array(2 * WAVES).fill(400));
    expect((await stat(archive)).isFile()).toBe(true);
    expect(fdsPeak).toBeLessThan(fdsBefore + MAX_CONNECTIONS + 20);
    expect(fdsPeak).toBeLessThan(FD_LIMIT);
    expect(rssAfter - rssBefore).toBeLessThan(100 * MB);
    expect(d.daemon.child.exitCode).toBeNull();
  }, 240_000);
});

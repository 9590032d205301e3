import { promises as fs } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { RawClient, countResponses, makeTempDir, request } from '../test/fake-engine';
import { resolveDockerHost } from './docker-host';
import { DockerInterposer } from './interposer';
import { RecordingCreateHook } from './testing';

describe('resolveDockerHost (docker-modem rules)', () => {
  it.each([
    [{}, { socketPath: '/var/run/docker.sock' }],
    [{ DOCKER_HOST: '' }, { socketPath: '/var/run/docker.sock' }],
    [{ DOCKER_HOST: 'unix:///tmp/x/docker.sock' }, { socketPath: '/tmp/x/docker.sock' }],
    [{ DOCKER_HOST: 'tcp://127.0.0.1:2375' }, { host: '127.0.0.1', port: 2375 }],
    [{ DOCKER_HOST: '10.0.0.2:1234' }, { host: '10.0.0.2', port: 1234 }],
    [{ DOCKER_HOST: 'tcp://[::1]:2375' }, { host: '::1', port: 2375 }],
  ])('%j → %j', (env, upstream) => {
    if (!('DOCKER_HOST' in env) || env.DOCKER_HOST === '') {
      // The default depends on which socket exists; on a Linux host with an engine it is this one.
      expect(resolveDockerHost(env).socketPath).toMatch(/docker\.sock$/);
    } else {
      expect(resolveDockerHost(env)).toEqual(upstream);
    }
  });

  it.each([
    [{ DOCKER_HOST: 'tcp://h:2376' }, /TLS engines are not supported/],
    [{ DOCKER_HOST: 'tcp://h:2375', DOCKER_TLS_VERIFY: '1' }, /TLS engines/],
    [{ DOCKER_HOST: 'ssh://me@h' }, /ssh:\/\//],
    [{ DOCKER_HOST: 'npipe:////./pipe/docker_engine' }, /Windows/],
  ])('refuses %j instead of forwarding elsewhere', (env, why) => {
    expect(() => resolveDockerHost(env)).toThrow(why);
  });
});

describe('DockerInterposer upstream from DOCKER_HOST', () => {
  it('forwards plain requests and hooked creates to a tcp:// engine', async () => {
    const dir = await makeTempDir('ecsb-dockerhost-');
    const seen: string[] = [];
    const engine = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        seen.push(`${req.method} ${req.url}`);
        res.writeHead(req.url?.includes('/containers/create') ? 201 : 200, {
          'Content-Type': 'application/json',
        });
        res.end('{"Id":"tcp-1"}\n');
      });
    });
    await new Promise<void>((r) => engine.listen(0, '127.0.0.1', r));
    const port = (engine.address() as AddressInfo).port;
    const socketPath = join(dir, 'ecs-docker.sock');
    const interposer = new DockerInterposer({
      socketPath,
      upstream: resolveDockerHost({ DOCKER_HOST: `tcp://127.0.0.1:${port}` }),
      hook: new RecordingCreateHook((body) => body),
    });
    let client: RawClient | undefined;
    try {
      await interposer.start();
      client = new RawClient(socketPath);
      client.send(request('GET', '/v1.41/_ping'));
      client.send(request('POST', '/v1.41/containers/create', JSON.stringify({ Image: 'app' })));
      await client.waitFor((r) => countResponses(r) === 2);
      expect(seen).toEqual(['GET /v1.41/_ping', 'POST /v1.41/containers/create']);
    } finally {
      client?.destroy();
      await interposer.shutdown();
      await new Promise((r) => engine.close(r));
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

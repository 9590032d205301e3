import { promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { FakeEngine, RawClient, chunked, countResponses, makeTempDir, request } from '../test/fake-engine';
import { CreateHookError, EcsBridgeError } from './errors';
import { DockerInterposer } from './interposer';
import { RecordingCreateHook, RecordingLogger } from './testing';

describe('DockerInterposer (fake engine)', () => {
  let dir: string;
  let engine: FakeEngine;
  let hook: RecordingCreateHook;
  let logger: RecordingLogger;
  let interposer: DockerInterposer;
  let socketPath: string;
  const clients: RawClient[] = [];

  const client = (): RawClient => {
    const c = new RawClient(socketPath);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    dir = await makeTempDir('ecsb-unit-');
    engine = new FakeEngine(join(dir, 'engine.sock'));
    await engine.start();
    hook = new RecordingCreateHook((body) => ({ ...body, Labels: { ...body.Labels, hooked: 'yes' } }));
    logger = new RecordingLogger();
    socketPath = join(dir, 'run', 'fractal', 'ecs-docker.sock');
    interposer = new DockerInterposer({ socketPath, upstreamSocketPath: engine.socketPath, hook, logger });
    await interposer.start();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await interposer.shutdown();
    await engine.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('listens with mode 0600 in a 0700 dir it created', async () => {
    expect((await fs.stat(socketPath)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(join(dir, 'run'))).mode & 0o777).toBe(0o700);
    expect((await fs.readdir(join(dir, 'run', 'fractal'))).sort()).toEqual(['ecs-docker.sock']);
  });

  it('forwards requests unchanged and sends a create after others on one connection to the hook', async () => {
    const c = client();
    c.send(request('GET', '/v1.41/_ping'));
    await c.waitFor((r) => r.includes('GET /v1.41/_ping'));
    c.send(
      request(
        'POST',
        '/v1.41/containers/create?name=web&platform=',
        JSON.stringify({ Image: 'app', Labels: { a: 'b' } }),
      ),
    );
    await c.waitFor((r) => countResponses(r) === 2);
    c.send(request('POST', '/v1.41/containers/id-2/start', ''));
    const all = await c.waitFor((r) => countResponses(r) === 3);

    expect(all).toContain('HTTP/1.1 201 Created');
    expect(all).toContain('{"Id":"id-2","Warnings":[]}');
    expect(all).toContain('POST /v1.41/containers/id-2/start');
    expect(hook.creates).toHaveLength(1);
    expect(hook.creates[0]?.request).toEqual({
      name: 'web',
      apiVersion: '1.41',
      body: { Image: 'app', Labels: { a: 'b' } },
    });
    expect(hook.creates[0]?.outcome).toEqual({ ok: true, id: 'id-2' });
    const seen = engine.requests[1];
    expect(seen?.url).toBe('/v1.41/containers/create?name=web&platform=');
    expect(JSON.parse(seen?.body ?? '')).toEqual({ Image: 'app', Labels: { a: 'b', hooked: 'yes' } });
    expect(Number(seen?.headers['content-length'])).toBe(Buffer.byteLength(seen?.body ?? ''));
  });

  it('reads a chunked create body and an unversioned path', async () => {
    const c = client();
    c.send(chunked('POST', '/containers/create', ['{"Image":', '"app"}']));
    const r = await c.waitFor((x) => x.includes('Warnings'));
    expect(r).toContain('201 Created');
    expect(hook.creates[0]?.request).toEqual({ body: { Image: 'app' } });
    expect(engine.requests[0]?.headers['transfer-encoding']).toBeUndefined();
  });

  it('passes chunked non-create bodies through verbatim and streams answers', async () => {
    const c = client();
    c.send(chunked('POST', '/build', ['abc', 'defgh']));
    await c.waitFor((r) => r.includes('POST /build abcdefgh'));
    c.send(request('GET', '/stream'));
    const r = await c.waitFor((x) => x.includes('{"n":2}'));
    expect(r).toContain('{"n":0}');
    expect(r).toContain('POST /build abcdefgh');
    expect(hook.creates).toHaveLength(0);
  });

  it('answers bad JSON with a Docker-style 400 and keeps the connection', async () => {
    const c = client();
    c.send(request('POST', '/containers/create', '{nope'));
    await c.waitFor((r) => r.includes('message'));
    c.send(request('GET', '/_ping'));
    const r = await c.waitFor((x) => x.includes('GET /_ping'));
    expect(r).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect(r).toContain('"message":"invalid JSON in container create body');
    expect(hook.creates).toHaveLength(0);
  });

  it('answers a CreateHookError with its status and message, anything else with 500', async () => {
    hook.refuseNext(409, 'no free TCP host port in 1025..49150');
    const c = client();
    c.send(request('POST', '/containers/create', '{"Image":"app"}'));
    await c.waitFor((r) => countResponses(r) === 1 && r.endsWith('\n'));
    hook.crashNext('registry exploded');
    c.send(request('POST', '/containers/create', '{"Image":"app"}'));
    const r = await c.waitFor((x) => countResponses(x) === 2 && x.endsWith('\n'));
    expect(r).toContain('HTTP/1.1 409 Conflict');
    expect(r).toContain('{"message":"no free TCP host port in 1025..49150"}');
    expect(r).toContain('HTTP/1.1 500 Internal Server Error');
    expect(r).toContain('registry exploded');
    expect(engine.requests).toHaveLength(0);
    expect(new CreateHookError(200, 'x').statusCode).toBe(500);
  });

  it('reports a refused create as ok:false and passes Docker’s error on', async () => {
    const c = client();
    c.send(request('POST', '/containers/create', '{"Image":"missing"}'));
    const r = await c.waitFor((x) => x.includes('No such image'));
    expect(r).toMatch(/^HTTP\/1\.1 404 Not Found/);
    expect(hook.outcomes()).toEqual([{ ok: false, statusCode: 404, message: 'No such image: missing' }]);
  });

  it('logs a failing onOutcome and still answers the client', async () => {
    hook.failOutcome = true;
    const c = client();
    c.send(request('POST', '/containers/create', '{"Image":"app"}'));
    const r = await c.waitFor((x) => x.includes('Warnings'));
    expect(r).toContain('201 Created');
    expect(
      logger.records.some((l) => l.level === 'error' && l.msg === 'container create outcome handler failed'),
    ).toBe(true);
  });

  it('reports ok:false 502 when the engine cannot be reached', async () => {
    await engine.stop();
    const c = client();
    c.send(request('POST', '/containers/create', '{"Image":"app"}'));
    const r = await c.waitFor((x) => x.includes('message'));
    expect(r).toMatch(/^HTTP\/1\.1 502 Bad Gateway/);
    expect(hook.outcomes()[0]).toMatchObject({ ok: false, statusCode: 502 });
  });

  it('answers 100-continue for a create that expects it', async () => {
    const c = client();
    const body = '{"Image":"app"}';
    c.send(
      `POST /containers/create HTTP/1.1\r\nHost: d\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    await c.waitFor((r) => r.includes('100 Continue'));
    c.send(body);
    const r = await c.waitFor((x) => x.includes('Warnings'));
    expect(r).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 Created/);
  });

  it('closes open connections and removes the socket on shutdown; runs once', async () => {
    const c = client();
    c.send(request('GET', '/forever'));
    await c.waitFor((r) => r.includes('streaming'));
    const first = interposer.shutdown();
    expect(interposer.shutdown()).toBe(first);
    await first;
    await c.waitFor(() => false, 2000);
    expect(c.ended).toBe(true);
    await expect(fs.stat(socketPath)).rejects.toThrow(/ENOENT/);
    await expect(interposer.start()).rejects.toThrow(EcsBridgeError);
  });

  it('closes a connection that sends garbage with a 400', async () => {
    const c = client();
    c.send('NOT HTTP\r\n\r\n');
    const r = await c.waitFor(() => false, 1000);
    expect(r).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect(c.ended).toBe(true);
  });
});

describe('DockerInterposer socket path', () => {
  let dir: string;
  const hook = new RecordingCreateHook();

  beforeEach(async () => {
    dir = await makeTempDir('ecsb-sock-');
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('replaces a stale socket', async () => {
    const socketPath = join(dir, 'docker.sock');
    const stale = createServer();
    await new Promise<void>((r) => stale.listen(socketPath, r));
    // Copying the inode away keeps a socket file with nobody listening on it.
    await fs.link(socketPath, join(dir, 'stale.sock'));
    await new Promise<void>((r) => stale.close(() => r()));
    await fs.rename(join(dir, 'stale.sock'), socketPath);
    expect((await fs.lstat(socketPath)).isSocket()).toBe(true);

    const interposer = new DockerInterposer({ socketPath, hook });
    await interposer.start();
    await interposer.shutdown();
  });

  it('refuses a live socket and a regular file', async () => {
    const socketPath = join(dir, 'docker.sock');
    const live = createServer();
    await new Promise<void>((r) => live.listen(socketPath, r));
    try {
      await expect(new DockerInterposer({ socketPath, hook }).start()).rejects.toMatchObject({
        code: 'SOCKET_IN_USE',
      });
    } finally {
      await new Promise<void>((r) => live.close(() => r()));
    }
    const filePath = join(dir, 'file');
    await fs.writeFile(filePath, 'x');
    await expect(new DockerInterposer({ socketPath: filePath, hook }).start()).rejects.toMatchObject({
      code: 'SOCKET_PATH_TAKEN',
    });
    expect(await fs.readFile(filePath, 'utf8')).toBe('x');
  });

  it('validates its options', () => {
    expect(() => new DockerInterposer({ socketPath: '', hook })).toThrow(/socketPath/);
    expect(() => new DockerInterposer({ socketPath: '/x', hook: {} as never })).toThrow(/beforeCreate/);
    expect(() => new DockerInterposer({ socketPath: '/x', hook, shutdownTimeoutMs: -1 })).toThrow(
      /shutdownTimeoutMs/,
    );
  });
});

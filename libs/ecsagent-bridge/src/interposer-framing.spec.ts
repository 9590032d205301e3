import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { FakeEngine, RawClient, makeTempDir, request } from '../test/fake-engine';
import { createBodyReader } from './body-reader';
import { matchCreate } from './create-route';
import { DockerInterposer } from './interposer';
import { RecordingCreateHook, RecordingLogger } from './testing';
import type { ContainerCreateHook, CreateOutcome } from './types';

/** Hostile or unusual framing: what dockerd would treat as a create must reach the hook. */
describe('DockerInterposer framing', () => {
  let dir: string;
  let engine: FakeEngine;
  let hook: RecordingCreateHook;
  let socketPath: string;
  let interposer: DockerInterposer;
  const clients: RawClient[] = [];

  const start = async (h: ContainerCreateHook = hook, shutdownTimeoutMs?: number): Promise<void> => {
    interposer = new DockerInterposer({
      socketPath,
      upstreamSocketPath: engine.socketPath,
      hook: h,
      logger: new RecordingLogger(),
      ...(shutdownTimeoutMs === undefined ? {} : { shutdownTimeoutMs }),
    });
    await interposer.start();
  };
  const client = (): RawClient => {
    const c = new RawClient(socketPath);
    clients.push(c);
    return c;
  };
  /** Waits for `test` to hold and fails the test if it does not within `ms`. */
  const until = async (test: () => boolean, ms = 2000): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!test()) {
      if (Date.now() >= deadline) throw new Error(`condition not met within ${ms} ms: ${test.toString()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  beforeEach(async () => {
    dir = await makeTempDir('ecsb-framing-');
    engine = new FakeEngine(join(dir, 'engine.sock'));
    await engine.start();
    hook = new RecordingCreateHook((body) => ({ ...body, Labels: { hooked: 'yes' } }));
    socketPath = join(dir, 'bridge.sock');
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await interposer.shutdown();
    await engine.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  // dockerd 20.10 answered 201 Created to each of these paths (checked with curl --path-as-is).
  it.each([
    '/v1.41.0/containers/create',
    '/containers/%63reate',
    '/containers%2Fcreate',
    '/%761.41/containers/create',
  ])('sends %s, which dockerd routes to create, through the hook', async (path) => {
    await start();
    const c = client();
    c.send(request('POST', path, '{"Image":"app"}'));
    await c.waitFor((r) => r.includes('HTTP/1.1'));
    expect(hook.creates).toHaveLength(1);
    expect(JSON.parse(engine.requests[0]?.body ?? '{}')).toEqual({ Image: 'app', Labels: { hooked: 'yes' } });
  });

  it('matches the API version the way dockerd does', () => {
    expect(matchCreate('POST', '/v1.41.0/containers/create')).toEqual({ apiVersion: '1.41.0' });
    expect(matchCreate('POST', 'http://docker/v1.41/containers/create?name=a')).toEqual({
      apiVersion: '1.41',
      name: 'a',
    });
    expect(matchCreate('POST', '/containers/%zzcreate')).toBeNull();
  });

  // Node's own parser (the fake engine) refuses these too, but dockerd's lets Transfer-Encoding win.
  it.each([
    'Content-Length: 5\r\nTransfer-Encoding: chunked',
    'Transfer-Encoding: chunked\r\ncontent-length: 5',
    'Transfer-Encoding: chunked, gzip',
  ])('refuses ambiguous framing %j without forwarding a byte', async (headers) => {
    await start();
    const c = client();
    const head = ['POST /build HTTP/1.1', 'Host: d', headers].join('\r\n');
    c.send(`${head}\r\n\r\n0\r\n\r\nGET /_ping HTTP/1.1\r\nHost: d\r\n\r\n`);
    const r = await c.waitFor(() => false, 300);
    expect(r).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect(r).toContain('Connection: close');
    expect(r).toContain('{"message":"bad request: ');
    expect(engine.connections).toBe(0);
  });

  it('rejects a chunk size past 2^53 instead of losing count', () => {
    const reader = createBodyReader(undefined, 'chunked');
    expect(() => reader.consume(Buffer.from('ffffffffffffffffffff\r\n'))).toThrow(/chunk size/);
  });

  it('refuses an oversized create by its Content-Length before answering 100-continue', async () => {
    await start();
    const c = client();
    c.send(
      'POST /containers/create HTTP/1.1\r\nHost: d\r\nExpect: 100-continue\r\nContent-Length: 999999999\r\n\r\n',
    );
    const r = await c.waitFor(() => c.closed, 1000);
    expect(r).toMatch(/^HTTP\/1\.1 413 /);
    expect(hook.creates).toHaveLength(0);
  });

  it('stops buffering a chunked create body past the limit', async () => {
    await start();
    const c = client();
    c.send('POST /containers/create HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n');
    const mib = Buffer.alloc(1024 * 1024, 0x20);
    for (let i = 0; i < 40 && !c.ended; i += 1) {
      c.send(Buffer.concat([Buffer.from('100000\r\n'), mib, Buffer.from('\r\n')]));
      await new Promise((r) => setImmediate(r));
    }
    const r = await c.waitFor((x) => x.includes('\r\n\r\n{'), 2000);
    expect(r).toMatch(/^HTTP\/1\.1 413 /);
    expect(hook.creates).toHaveLength(0);
  });

  it('streams an exec start body too big to be a detach flag instead of holding it', async () => {
    await start();
    const c = client();
    c.send('POST /exec/abc/start HTTP/1.1\r\nHost: d\r\nContent-Length: 100000000\r\n\r\n');
    c.send(Buffer.alloc(200 * 1024, 0x20));
    await until(() => engine.connections > 0, 1000);
    expect(engine.connections).toBe(1);
  });

  it('closes a connection fully after a 400 even if the client keeps sending', async () => {
    await start();
    const c = client();
    c.send('NOT HTTP\r\n\r\n');
    await c.waitFor((r) => r.includes('400'));
    for (let i = 0; i < 10 && !c.closed; i += 1) {
      c.send(Buffer.alloc(64 * 1024, 0x41));
      await new Promise((r) => setTimeout(r, 20));
    }
    await until(() => c.closed);
    expect(c.closed).toBe(true);
  });

  it('closes a connection fully after answering a create that asked for Connection: close', async () => {
    await start();
    const c = client();
    c.send(request('POST', '/containers/create', '{"Image":"app"}', ['Connection: close']));
    await c.waitFor((r) => r.includes('Warnings'));
    // Writing to a socket the server has fully closed fails (EPIPE); to a half-open one it does not.
    for (let i = 0; i < 20 && !c.closed; i += 1) {
      c.send(request('GET', '/_ping'));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(c.received).toContain('Connection: close');
    expect(c.closed).toBe(true);
  });

  it('never sends a create to Docker once shutdown has aborted it', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const outcomes: CreateOutcome[] = [];
    let hookEntered = false;
    await start(
      {
        beforeCreate: async (req) => {
          hookEntered = true;
          await gate;
          return { body: req.body, onOutcome: async (o) => void outcomes.push(o) };
        },
      },
      50,
    );
    const c = client();
    c.send(request('POST', '/containers/create', '{"Image":"app"}'));
    // The create is with the hook (and so not yet at Docker) when shutdown aborts it.
    await until(() => hookEntered);
    expect(engine.connections).toBe(0);
    await interposer.shutdown();
    release();
    await until(() => outcomes.length > 0);
    expect(engine.requests).toHaveLength(0);
    expect(outcomes).toEqual([expect.objectContaining({ ok: false, statusCode: 502 })]);
  });

  it('frees through onOutcome when the hook returns a body that is not JSON', async () => {
    const outcomes: CreateOutcome[] = [];
    await start({
      beforeCreate: async () => ({
        body: { Image: 'app', Size: BigInt(1) as unknown as number },
        onOutcome: async (o) => void outcomes.push(o),
      }),
    });
    const c = client();
    c.send(request('POST', '/containers/create', '{"Image":"app"}'));
    const r = await c.waitFor((x) => x.includes('"message"'));
    expect(r).toMatch(/^HTTP\/1\.1 500 /);
    expect(outcomes).toEqual([expect.objectContaining({ ok: false, statusCode: 500 })]);
    expect(engine.requests).toHaveLength(0);
  });
});

import type { Hono } from 'hono';
import { createHarness } from '../../test/harness';
import type { Harness } from '../../test/harness';
import { DrainState } from '../ops/drain-state';
import { createApi } from './create-api';

const SECRET = 'testwebserverauthsecretdev';
const SPIN = {
  auth_secret: SECRET,
  app_name: 'test-app',
  app_image: 'fractal/test-protocol:latest',
  mount_command: '',
  protocol_timeout: 30,
};

function put(app: Hono, path: string, body: unknown, headers: Record<string, string> = {}) {
  return Promise.resolve(
    app.request(path, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    }),
  );
}

/** The operator-facing parts of the API: drain, request ids, error codes, observed requests. */
describe('createApi (operator surface)', () => {
  let h: Harness;
  let app: Hono;
  let drain: DrainState;
  const requests: string[] = [];
  const spinUps: number[] = [];

  beforeEach(async () => {
    h = await createHarness();
    await h.manager.start();
    drain = new DrainState(h.memory.logger);
    requests.length = 0;
    spinUps.length = 0;
    app = createApi({
      manager: h.manager,
      appEnv: 'localdev',
      webserverAuthSecret: SECRET,
      logger: h.memory.logger,
      drain,
      observer: {
        apiRequest: (route, status) => void requests.push(`${route} ${status}`),
        spinUpObserved: (s) => void spinUps.push(s),
      },
    });
  });
  afterEach(() => h.close());

  it('drains on PUT /drain_host with the secret; spin-ups then get 406 DRAINING, others still work', async () => {
    const before = await put(app, '/spin_up_container', SPIN);
    expect(before.status).toBe(200);
    const { result: dockerId } = (await before.json()) as { result: string };
    const hostPort = h.manager.byDockerId(dockerId)?.hostPort;

    expect((await put(app, '/drain_host', { auth_secret: 'wrong' })).status).toBe(401);
    expect(drain.draining).toBe(false);
    const drained = await put(app, '/drain_host', { auth_secret: SECRET });
    expect([drained.status, await drained.json()]).toEqual([200, { result: 'host is draining' }]);
    expect(drain.snapshot()).toMatchObject({ draining: true, by: 'api' });

    const refused = await put(app, '/spin_up_container', SPIN);
    expect([refused.status, await refused.json()]).toEqual([
      406,
      { result: '', error: 'host is draining', code: 'DRAINING' },
    ]);
    // The running session is untouched: its start values still go through.
    const sv = await put(app, '/set_container_start_values', {
      auth_secret: SECRET,
      host_port: hostPort,
      dpi: 96,
      user_id: 'u',
      client_app_auth_secret: 'c',
      container_ARN: 'arn',
    });
    expect(sv.status).toBe(200);
    expect(h.manager.size()).toBe(1);
    expect(spinUps).toHaveLength(1);
    expect(requests).toEqual([
      '/spin_up_container 200',
      '/drain_host 401',
      '/drain_host 200',
      '/spin_up_container 406',
      '/set_container_start_values 200',
    ]);
  });

  it('echoes a plain x-request-id, replaces an unsafe one, and logs both with the fractalId', async () => {
    const res = await put(app, '/spin_up_container', SPIN, { 'x-request-id': 'abc-123' });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    const { result } = (await res.json()) as { result: string };
    const fractalId = h.manager.byDockerId(result)?.fractalId;
    const odd = await put(app, '/nope', {}, { 'x-request-id': 'a b\u00e9' });
    const generated = odd.headers.get('x-request-id') ?? '';
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const lines = h.memory.lines.filter((l) => l.msg === 'request');
    expect(lines).toEqual([
      expect.objectContaining({ requestId: 'abc-123', status: 200, fractalId, path: '/spin_up_container' }),
      expect.objectContaining({ requestId: generated, status: 404, path: '/nope' }),
    ]);
    expect(requests).toEqual(['/spin_up_container 200', 'other 404']);
  });

  it('gives every refusal a machine-readable code', async () => {
    const codes = async (path: string, body: unknown, init?: Record<string, string>) =>
      ((await (await put(app, path, body, init)).json()) as { code: string }).code;
    expect(await codes('/set_container_start_values', { auth_secret: SECRET, host_port: 1 })).toBe(
      'INVALID_BODY',
    );
    expect(await codes('/set_container_start_values', { host_port: 1 })).toBe('UNAUTHORIZED');
    expect(
      await codes('/set_config_encryption_token', {
        host_port: 1,
        user_id: 'u',
        config_encryption_token: 't',
        client_app_auth_secret: 'c',
      }),
    ).toBe('UNKNOWN_HOST_PORT');
    expect(await codes('/nope', {})).toBe('NOT_FOUND');
    const wrongMethod = await app.request('/drain_host', { method: 'POST', body: '{}' });
    expect(((await wrongMethod.json()) as { code: string }).code).toBe('WRONG_METHOD');
  });
});

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { createHarness } from '../../test/harness';
import type { Harness } from '../../test/harness';
import { createApi } from './create-api';

const SECRET = 'testwebserverauthsecretdev';

function put(app: Hono, path: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return Promise.resolve(
    app.request(path, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...init,
    }),
  );
}

describe('createApi', () => {
  let h: Harness;
  let app: Hono;
  let hostPort: number;
  const startValues = (over: Record<string, unknown> = {}) => ({
    auth_secret: SECRET,
    host_port: hostPort,
    dpi: 96,
    user_id: 'user-1',
    client_app_auth_secret: 'cs',
    container_ARN: 'arn',
    ...over,
  });
  const token = (over: Record<string, unknown> = {}) => ({
    host_port: hostPort,
    user_id: 'user-1',
    config_encryption_token: 'tok',
    client_app_auth_secret: 'cs',
    ...over,
  });

  beforeEach(async () => {
    h = await createHarness();
    await h.manager.start();
    app = createApi({
      manager: h.manager,
      appEnv: 'localdev',
      webserverAuthSecret: SECRET,
      logger: h.memory.logger,
    });
    const res = await put(app, '/spin_up_container', {
      auth_secret: SECRET,
      app_name: 'test-app',
      app_image: 'fractal/test-protocol:latest',
      mount_command: '',
      protocol_timeout: 30,
    });
    expect(res.status).toBe(200);
    const { result } = (await res.json()) as { result: string };
    hostPort = h.manager.byDockerId(result)?.hostPort ?? -1;
  });
  afterEach(() => h.close());

  it('answers the contract: spin-up id, start values, token, then .ready', async () => {
    const sv = await put(app, '/set_container_start_values', startValues());
    expect([sv.status, await sv.json()]).toEqual([200, { result: expect.any(String) }]);
    const tk = await put(app, '/set_config_encryption_token', token());
    expect([tk.status, await tk.json()]).toEqual([200, { result: expect.any(String) }]);
    const entry = h.manager.byHostPort(hostPort);
    expect(await readFile(join(entry?.dirs.resources ?? '', '.ready'), 'utf8')).toBe('');
  });

  it.each<[string, string, unknown, number, RequestInit?]>([
    ['wrong method', '/set_container_start_values', {}, 400, { method: 'POST' }],
    [
      'GET on the token path',
      '/set_config_encryption_token',
      undefined,
      400,
      { method: 'GET', body: undefined },
    ],
    ['non-JSON', '/set_config_encryption_token', '{"host_port":', 400],
    ['a JSON array', '/set_config_encryption_token', '[1]', 400],
    ['host_port as a string', '/set_config_encryption_token', 'TOKEN:host_port="1"', 400],
    ['host_port 0', '/set_config_encryption_token', 'TOKEN:host_port=0', 400],
    ['host_port 65536', '/set_config_encryption_token', 'TOKEN:host_port=65536', 400],
    ['host_port 1.5', '/set_config_encryption_token', 'TOKEN:host_port=1.5', 400],
    ['user_id with ../', '/set_config_encryption_token', 'TOKEN:user_id="../etc"', 400],
    ['user_id with NUL', '/set_config_encryption_token', 'TOKEN:user_id="a\\u0000b"', 400],
    ['missing secret', '/set_container_start_values', 'SV:auth_secret=null', 401],
    ['short secret', '/set_container_start_values', 'SV:auth_secret="test"', 401],
    ['long secret', '/set_container_start_values', `SV:auth_secret="${SECRET}x"`, 401],
    ['wrong secret', '/set_container_start_values', `SV:auth_secret="${SECRET.replace('t', 'x')}"`, 401],
    ['dpi 0', '/set_container_start_values', 'SV:dpi=0', 400],
    ['dpi -96', '/set_container_start_values', 'SV:dpi=-96', 400],
    ['unknown host_port', '/set_container_start_values', 'SV:host_port=1', 406],
    ['unknown path', '/nope', {}, 404],
    ['a near-miss path', '/set_container_start_values/x', {}, 404],
    ['spin-up with a bad mount', '/spin_up_container', 'SPIN:mount_command="--privileged"', 406],
    ['spin-up with a fractional timeout', '/spin_up_container', 'SPIN:protocol_timeout=1.5', 400],
  ])('answers %s with the right status', async (...row) => {
    // A rest parameter: jest would take a fifth named one for a done callback.
    const [, path, body, status, init] = row;
    let payload = body;
    if (typeof body === 'string' && /^(TOKEN|SV|SPIN):/.test(body)) {
      const [kind, rest] = [body.slice(0, body.indexOf(':')), body.slice(body.indexOf(':') + 1)];
      const eq = rest.indexOf('=');
      const base =
        kind === 'TOKEN'
          ? token()
          : kind === 'SV'
            ? startValues()
            : {
                auth_secret: SECRET,
                app_name: 'a',
                app_image: 'fractal/test-protocol:latest',
                mount_command: '',
                protocol_timeout: 1,
              };
      const value = JSON.parse(rest.slice(eq + 1)) as unknown;
      payload = { ...base, [rest.slice(0, eq)]: value };
      if (value === null) delete (payload as Record<string, unknown>)[rest.slice(0, eq)];
    }
    const res = await put(app, path, payload, init);
    expect(res.status).toBe(status);
    if (status !== 200)
      expect(await res.json()).toEqual({ result: '', error: expect.any(String), code: expect.any(String) });
  });

  it('answers a repeated endpoint with 406 and keeps serving', async () => {
    expect((await put(app, '/set_container_start_values', startValues())).status).toBe(200);
    const again = await put(app, '/set_container_start_values', startValues());
    expect(again.status).toBe(406);
    expect(((await again.json()) as { error: string }).error).toMatch(/already set/);
    expect((await put(app, '/set_config_encryption_token', token())).status).toBe(200);
  });

  it('refuses a 1 MB body with 413 without touching the containers', async () => {
    const res = await put(app, '/set_config_encryption_token', { ...token(), pad: 'x'.repeat(1024 * 1024) });
    expect(res.status).toBe(413);
    expect(h.manager.byHostPort(hostPort)?.token).toBeUndefined();
  });

  it('serves spin_up_container only in localdev', async () => {
    const prod = createApi({
      manager: h.manager,
      appEnv: 'production',
      webserverAuthSecret: SECRET,
      logger: h.memory.logger,
    });
    const res = await put(prod, '/spin_up_container', {
      auth_secret: SECRET,
      app_name: 'a',
      app_image: 'fractal/test-protocol:latest',
      mount_command: '',
      protocol_timeout: 1,
    });
    expect(res.status).toBe(404);
    expect((await put(prod, '/set_container_start_values', startValues())).status).toBe(200);
  });

  it('never logs secrets or tokens', async () => {
    await put(app, '/set_container_start_values', startValues({ client_app_auth_secret: 'very-secret-cs' }));
    await put(
      app,
      '/set_config_encryption_token',
      token({ client_app_auth_secret: 'other-cs', config_encryption_token: 'very-secret-token' }),
    );
    await put(app, '/set_container_start_values', startValues({ auth_secret: 'wrong-but-secret' }));
    const text = JSON.stringify(h.memory.lines);
    for (const s of [SECRET, 'very-secret-cs', 'very-secret-token', 'wrong-but-secret'])
      expect(text).not.toContain(s);
    expect(text).toContain('token dropped');
  });

  it('answers concurrent requests independently', async () => {
    const results = await Promise.all([
      put(app, '/set_container_start_values', startValues({ host_port: 1 })),
      put(app, '/set_container_start_values', startValues()),
      put(app, '/set_config_encryption_token', '{bad'),
      put(app, '/set_config_encryption_token', token()),
    ]);
    expect(results.map((r) => r.status)).toEqual([406, 200, 400, 200]);
  });
});

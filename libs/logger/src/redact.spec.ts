import { REDACTED, SECRET_KEYS, isSecretKey, redactSecrets } from './redact';

describe('isSecretKey', () => {
  it.each([
    'auth_secret',
    'AUTH_SECRET',
    'authSecret',
    'config_encryption_token',
    'configEncryptionToken',
    'client_app_auth_secret',
    'AuthToken',
    'authtoken',
    'auth-token',
    'Authorization',
    'password',
    'PassWord',
  ])('treats %s as secret', (key) => expect(isSecretKey(key)).toBe(true));

  it.each(['user_id', 'token', 'auth', 'passwords', 'host_port', ''])('leaves %s alone', (key) =>
    expect(isSecretKey(key)).toBe(false),
  );

  it('covers every listed key', () => {
    expect(SECRET_KEYS.every(isSecretKey)).toBe(true);
  });
});

describe('redactSecrets', () => {
  it('returns the same value when there is nothing to redact', () => {
    const value = { a: 1, b: [{ c: 'x' }], d: null, e: new Date(0) };
    expect(redactSecrets(value)).toBe(value);
    expect(redactSecrets('plain')).toBe('plain');
    expect(redactSecrets(null)).toBeNull();
  });

  it('redacts at any depth and any case without touching the input', () => {
    const input = {
      user_id: 'u1',
      l1: { l2: { l3: { l4: { l5: { l6: { l7: { l8: { l9: { l10: { Password: 'p' } } } } } } } } } },
      body: { AUTH_SECRET: 'a', auth: { Authorization: { scheme: 'Bearer', value: 'b' } } },
    };
    const out = redactSecrets(input);
    expect(out.user_id).toBe('u1');
    expect(out.l1.l2.l3.l4.l5.l6.l7.l8.l9.l10.Password).toBe(REDACTED);
    expect(out.body.AUTH_SECRET).toBe(REDACTED);
    expect(out.body.auth.Authorization).toBe(REDACTED);
    expect(input.body.AUTH_SECRET).toBe('a');
    expect(input.l1.l2.l3.l4.l5.l6.l7.l8.l9.l10.Password).toBe('p');
  });

  it('redacts inside arrays', () => {
    const out = redactSecrets([{ client_app_auth_secret: 'x' }, 'y', [{ config_encryption_token: 'z' }]]);
    expect(out).toEqual([{ client_app_auth_secret: REDACTED }, 'y', [{ config_encryption_token: REDACTED }]]);
  });

  it('keeps null and undefined secrets as they are', () => {
    expect(redactSecrets({ password: null, auth_secret: undefined, AuthToken: 't' })).toEqual({
      password: null,
      auth_secret: undefined,
      AuthToken: REDACTED,
    });
  });

  it('is cycle-safe and keeps the cycle in the copy', () => {
    const node: Record<string, unknown> = { name: 'n', password: 'p' };
    node['self'] = node;
    node['list'] = [node];
    const out = redactSecrets(node);
    expect(out['password']).toBe(REDACTED);
    expect(out['self']).toBe(out);
    expect((out['list'] as unknown[])[0]).toBe(out);
    expect(node['password']).toBe('p');
  });

  it('handles a clean cycle (deeper than the quick scan) without a copy that loses data', () => {
    const a: Record<string, unknown> = { v: 1 };
    a['next'] = { back: a };
    const out = redactSecrets(a);
    expect(out['v']).toBe(1);
    expect((out['next'] as Record<string, unknown>)['back']).toBe(out);
  });

  it('keeps errors as errors, redacting their fields and their cause', () => {
    const cause = Object.assign(new Error('inner'), { authorization: 'Bearer x' });
    const err = Object.assign(new TypeError('outer', { cause }), { password: 'p', code: 'E1' });
    const out = redactSecrets({ err });
    expect(out.err).toBeInstanceOf(TypeError);
    expect(out.err.message).toBe('outer');
    expect(out.err.stack).toBe(err.stack);
    expect(out.err.password).toBe(REDACTED);
    expect(out.err.code).toBe('E1');
    expect((out.err.cause as Error & { authorization: string }).authorization).toBe(REDACTED);
    expect(Object.keys(out.err)).toEqual(['password', 'code']);
    expect(err.password).toBe('p');
  });

  it('redacts objects with toJSON in their JSON form', () => {
    const value = { payload: { toJSON: () => ({ password: 'p', ok: true }) } };
    expect(JSON.parse(JSON.stringify(redactSecrets(value)))).toEqual({
      payload: { password: REDACTED, ok: true },
    });
  });

  it('truncates absurdly deep values instead of overflowing the stack', () => {
    let deep: Record<string, unknown> = { password: 'p' };
    for (let i = 0; i < 5_000; i++) deep = { next: deep };
    expect(() => redactSecrets(deep)).not.toThrow();
    expect(JSON.stringify(redactSecrets(deep))).toContain('[Truncated]');
  });

  it('never throws: getters, toJSON and proxies that throw become [Unreadable]', () => {
    const boom = (): never => {
      throw new Error('read me not');
    };
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const value = {
      password: 'p',
      shallow: Object.defineProperty({ ok: 1 }, 'bad', { get: boom, enumerable: true }),
      json: { toJSON: boom },
      proxy: revoked.proxy,
    };
    expect(redactSecrets(value)).toEqual({
      password: REDACTED,
      shallow: { ok: 1, bad: '[Unreadable]' },
      json: '[Unreadable]',
      proxy: '[Unreadable]',
    });
    // No secret key at all: the quick scan itself hits the getter.
    expect(redactSecrets({ a: Object.defineProperty({}, 'bad', { get: boom, enumerable: true }) })).toEqual({
      a: { bad: '[Unreadable]' },
    });
  });

  it('ends a toJSON that returns a fresh object with a toJSON each time', () => {
    const endless = (): unknown => ({ toJSON: endless, password: 'p' });
    expect(() => redactSecrets({ x: endless() })).not.toThrow();
    expect(JSON.stringify(redactSecrets({ x: endless() }))).toContain('[Truncated]');
  });
});

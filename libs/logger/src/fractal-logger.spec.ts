import { Writable } from 'node:stream';
import { createLogger } from './create-logger';
import { LoggerError } from './errors';
import { createMemoryLogger } from './testing';

describe('createMemoryLogger', () => {
  it('carries child bindings through nested children, redacted', () => {
    const { logger, lines } = createMemoryLogger();
    const container = logger.child({ fractalID: 'f1', dockerID: 'd1', app: 'chrome' });
    const request = container.child({
      route: '/set_config_encryption_token',
      Config_Encryption_Token: 'tok',
    });
    request.info({ host_port: 40000 }, 'token received');
    container.debug('plain');
    expect(lines[0]).toMatchObject({
      level: 'info',
      fractalID: 'f1',
      dockerID: 'd1',
      app: 'chrome',
      route: '/set_config_encryption_token',
      Config_Encryption_Token: '[REDACTED]',
      host_port: 40000,
      msg: 'token received',
    });
    expect(lines[1]).toMatchObject({ level: 'debug', fractalID: 'f1', msg: 'plain' });
    expect(lines[1]).not.toHaveProperty('route');
  });

  it('redacts secrets in logged objects and errors', () => {
    const { logger, lines } = createMemoryLogger();
    const err = Object.assign(new Error('bad'), { response: { headers: { Authorization: 'Bearer x' } } });
    logger.warn({ body: { auth_secret: 's', items: [{ password: 'p' }] } }, 'request');
    logger.error(err);
    expect(lines[0]).toMatchObject({
      body: { auth_secret: '[REDACTED]', items: [{ password: '[REDACTED]' }] },
    });
    expect(lines[1]).toMatchObject({
      msg: 'bad',
      err: { type: 'Error', message: 'bad', response: { headers: { Authorization: '[REDACTED]' } } },
    });
  });

  it('honours the level', () => {
    const { logger, lines } = createMemoryLogger({ level: 'warn' });
    logger.info('dropped');
    logger.warn('kept');
    expect(lines.map((line) => line['msg'])).toEqual(['kept']);
    expect(logger.isLevelEnabled('info')).toBe(false);
    expect(logger.child({ a: 1 }).isLevelEnabled('error')).toBe(true);
  });

  it('captureError with log: false reports to Sentry without a second line', () => {
    const memory = createMemoryLogger();
    const err = new Error('already logged');
    memory.logger.captureError(err, { step: 'start-up' }, { log: false });
    expect(memory.lines).toEqual([]);
    expect(memory.captured).toEqual([err]);
  });

  it('captureError logs at error level and records the error, tags and redacted context', () => {
    const memory = createMemoryLogger();
    const err = new Error('upload failed');
    memory.logger.setTags({ instanceID: 'i-1' });
    memory.logger.captureError(err, { user_id: 'u', client_app_auth_secret: 'c' });
    memory.logger.captureError('a string');
    expect(memory.captured).toEqual([err, 'a string']);
    expect(memory.capturedContexts[0]).toEqual({ user_id: 'u', client_app_auth_secret: '[REDACTED]' });
    expect(memory.tags).toEqual({ instanceID: 'i-1' });
    expect(memory.lines[0]).toMatchObject({
      level: 'error',
      msg: 'upload failed',
      user_id: 'u',
      client_app_auth_secret: '[REDACTED]',
    });
    expect(memory.lines[1]).toMatchObject({ level: 'error', msg: 'a string' });
  });

  it('after shutdown still writes lines but captures and tags nothing', async () => {
    const memory = createMemoryLogger();
    await memory.logger.shutdown();
    await memory.logger.shutdown();
    memory.logger.setTags({ late: 'yes' });
    memory.logger.captureError(new Error('late'));
    await memory.logger.flush();
    expect(memory.captured).toEqual([]);
    expect(memory.tags).toEqual({});
    expect(memory.lines).toHaveLength(1);
  });
});

describe('createLogger', () => {
  const collect = () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString('utf8'));
        done();
      },
    });
    return {
      stream,
      text: () => chunks.join(''),
      lines: () =>
        chunks
          .join('')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>),
    };
  };

  it('writes redacted JSON lines to the destination, info and up by default outside localdev', async () => {
    const { stream, lines } = collect();
    const logger = createLogger({ appEnv: 'staging', useProdLogging: false, destination: stream });
    logger.debug('hidden');
    logger.child({ fractalID: 'f', AuthToken: 't' }).info({ n: 1 }, 'shown');
    await logger.shutdown(100);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines()).toEqual([
      expect.objectContaining({ msg: 'shown', n: 1, fractalID: 'f', AuthToken: '[REDACTED]' }),
    ]);
  });

  it('defaults to debug in localdev and can be made pretty', async () => {
    const { stream, lines } = collect();
    const logger = createLogger({ appEnv: 'localdev', destination: stream });
    logger.debug('visible');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines()[0]).toMatchObject({ level: 'debug', msg: 'visible' });

    const pretty = collect();
    const human = createLogger({ appEnv: 'localdev', destination: pretty.stream, pretty: true });
    human.info({ password: 'hunter2' }, 'hello there');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = pretty.text();
    expect(text).toMatch(/INFO.*hello there/);
    expect(text).toContain('[REDACTED]');
    expect(text).not.toContain('hunter2');
    expect(text.trimStart().startsWith('{')).toBe(false);
  });

  it('never throws into the caller, whatever the fields hold', () => {
    const { logger, lines, captured } = createMemoryLogger();
    const hostile = Object.defineProperty({}, 'x', {
      enumerable: true,
      get: () => {
        throw new Error('getter');
      },
    });
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(() => logger.info({ hostile, n: BigInt(7) }, 'fields')).not.toThrow();
    expect(() => logger.warn(revoked.proxy as never, 'proxy')).not.toThrow();
    expect(() => logger.child({ hostile }).info('child')).not.toThrow();
    expect(() => logger.captureError(Object.create(null), { hostile })).not.toThrow();
    expect(lines[0]).toMatchObject({ hostile: { x: '[Unreadable]' }, n: 7, msg: 'fields' });
    expect(lines[1]).toMatchObject({ level: 'warn', msg: 'proxy' });
    expect(lines[2]).toMatchObject({ hostile: { x: '[Unreadable]' }, msg: 'child' });
    expect(lines[3]).toMatchObject({ level: 'error' });
    expect(captured).toHaveLength(1);
  });

  it('throws INVALID_OPTIONS for bad options', () => {
    expect(() => createLogger({ appEnv: 'qa' as never })).toThrow(LoggerError);
  });
});

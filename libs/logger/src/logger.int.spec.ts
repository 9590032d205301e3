import { Writable } from 'node:stream';
import { createLogger } from './create-logger';
import type { LoggerError } from './errors';
import { parseEnvelope, startIngestServer } from '../test/ingest-server';
import type { IngestServer } from '../test/ingest-server';
import type { FractalLogger } from './types';

const SECRETS = ['s3cret-auth-value', 'enc-token-value', 'client-secret-value', 'bearer-value', 'hunter2'];
const TOKEN = 'logzio-token-abcdef123456';

function sinkLines(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines };
}

function secretError(): Error {
  const err = new Error('upload failed for user u1', { cause: new Error('socket hang up') }) as Error & {
    config?: unknown;
  };
  err.config = { headers: { Authorization: `Bearer ${SECRETS[3]}` } };
  return err;
}

describe('createLogger against local stand-ins for Sentry and logz.io', () => {
  const servers: IngestServer[] = [];
  const loggers: FractalLogger[] = [];
  const start = async (mode: 'ok' | 'hang' | 'fail' = 'ok') => {
    const server = await startIngestServer(mode);
    servers.push(server);
    return server;
  };
  const track = (logger: FractalLogger) => {
    loggers.push(logger);
    return logger;
  };

  afterEach(async () => {
    await Promise.all(loggers.splice(0).map((logger) => logger.shutdown(500)));
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('sends a captured error to Sentry with tags, environment and release, and no secret anywhere', async () => {
    const sentry = await start();
    const { stream, lines } = sinkLines();
    const logger = track(
      createLogger({
        appEnv: 'staging',
        sentryDsn: `http://publickey@127.0.0.1:${sentry.port}/1`,
        release: 'abc123def',
        destination: stream,
      }),
    );
    logger.setTags({ instanceID: 'i-0123', region: 'us-east-1', auth_secret: SECRETS[0] });
    logger.captureError(secretError(), {
      fractalID: 'f00d',
      config_encryption_token: SECRETS[1],
      nested: { deeper: [{ Client_App_Auth_Secret: SECRETS[2], password: SECRETS[4] }] },
    });
    await logger.flush(5_000);

    const [request] = await sentry.waitForRequests(1);
    expect(request?.url).toMatch(/^\/api\/1\/envelope\/\?.*sentry_key=publickey/);
    const { items } = parseEnvelope(request?.body ?? '');
    const event = items.find((item) => item.type === 'event')?.payload as Record<string, unknown>;
    expect(event).toMatchObject({
      environment: 'staging',
      release: 'abc123def',
      tags: { instanceID: 'i-0123', region: 'us-east-1', auth_secret: '[REDACTED]' },
      extra: { fractalID: 'f00d', config_encryption_token: '[REDACTED]' },
    });
    const values = (event['exception'] as { values: Array<{ value: string }> }).values.map((v) => v.value);
    expect(values).toEqual(expect.arrayContaining(['upload failed for user u1', 'socket hang up']));
    const everything = JSON.stringify(request) + lines.join('\n');
    for (const secret of SECRETS) expect(everything).not.toContain(secret);
    expect(lines.some((line) => line.includes('upload failed for user u1'))).toBe(true);
  });

  it('keeps two loggers apart: each Sentry client gets only its own tags and events', async () => {
    const first = await start();
    const second = await start();
    const make = (server: IngestServer, app: string) => {
      const logger = track(
        createLogger({
          appEnv: 'production',
          sentryDsn: `http://publickey@127.0.0.1:${server.port}/1`,
          destination: sinkLines().stream,
        }),
      );
      logger.setTags({ app });
      return logger;
    };
    const one = make(first, 'one');
    const two = make(second, 'two');
    one.captureError(new Error('only in one'));
    two.captureError(new Error('only in two'));
    await Promise.all([one.flush(5_000), two.flush(5_000)]);
    const [a] = await first.waitForRequests(1);
    const [b] = await second.waitForRequests(1);
    expect(first.requests).toHaveLength(1);
    expect(second.requests).toHaveLength(1);
    expect(a?.body).toContain('only in one');
    expect(a?.body).toContain('"app":"one"');
    expect(b?.body).toContain('only in two');
    expect(b?.body).toContain('"app":"two"');
  });

  it('ships redacted lines to the logz.io listener with the token only in the query', async () => {
    const listener = await start();
    const logger = track(
      createLogger({
        appEnv: 'production',
        destination: sinkLines().stream,
        logzio: { token: TOKEN, listenerUrl: `http://127.0.0.1:${listener.port}`, sendIntervalMs: 60_000 },
      }),
    );
    const child = logger.child({ fractalID: 'f1', dockerID: 'd1', app: 'chrome', AuthToken: SECRETS[0] });
    child.info({ request: { headers: { authorization: SECRETS[3] } } }, 'container started');
    child.warn({ PASSWORD: SECRETS[4] }, 'odd');
    await logger.flush(5_000);

    const [request] = await listener.waitForRequests(1);
    expect(new URL(request?.url ?? '', 'http://x').searchParams.get('token')).toBe(TOKEN);
    const records = (request?.body ?? '')
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      message: 'container started',
      level: 'info',
      fractalID: 'f1',
      AuthToken: '[REDACTED]',
      request: { headers: { authorization: '[REDACTED]' } },
    });
    expect(records[1]).toMatchObject({ message: 'odd', level: 'warn', PASSWORD: '[REDACTED]' });
    for (const secret of [...SECRETS, TOKEN]) expect(request?.body).not.toContain(secret);
  });

  it('reports a failing listener without leaking the token', async () => {
    const listener = await start('fail');
    const failures: LoggerError[] = [];
    const logger = track(
      createLogger({
        appEnv: 'production',
        destination: sinkLines().stream,
        logzio: { token: TOKEN, listenerUrl: `http://127.0.0.1:${listener.port}`, attempts: 1 },
        onInternalError: (err) => failures.push(err),
      }),
    );
    logger.info('will not arrive');
    await logger.flush(5_000);
    expect(failures.map((f) => f.code)).toEqual(['SHIP_FAILED']);
    expect(failures[0]?.message).toContain(`127.0.0.1:${listener.port}`);
    expect(failures[0]?.message).not.toContain(TOKEN);
  });

  it('shutdown returns within its deadline while both ingest servers hang', async () => {
    const sentry = await start('hang');
    const listener = await start('hang');
    const failures: LoggerError[] = [];
    const logger = track(
      createLogger({
        appEnv: 'production',
        sentryDsn: `http://publickey@127.0.0.1:${sentry.port}/1`,
        destination: sinkLines().stream,
        logzio: {
          token: TOKEN,
          listenerUrl: `http://127.0.0.1:${listener.port}`,
          attempts: 1,
          requestTimeoutMs: 60_000,
        },
        onInternalError: (err) => failures.push(err),
      }),
    );
    logger.captureError(new Error('lost in a hanging ingest'));
    logger.info('lost in a hanging listener');
    void logger.flush(100);
    await Promise.all([sentry.waitForRequests(1), listener.waitForRequests(1)]);

    const started = Date.now();
    await logger.shutdown(700);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(650);
    expect(took).toBeLessThan(1_500);
    expect(failures.at(-1)?.code).toBe('FLUSH_TIMEOUT');
    expect(failures.at(-1)?.message).toMatch(
      /shutdown: Sentry and logz\.io shipping did not finish within 700 ms/,
    );
    // run-once: a second call is the same promise and returns at once
    const again = Date.now();
    await logger.shutdown(700);
    expect(Date.now() - again).toBeLessThan(50);
  });

  it('sends nothing when prod logging is off, even with a DSN and a token', async () => {
    const sentry = await start();
    const listener = await start();
    const { stream, lines } = sinkLines();
    const logger = track(
      createLogger({
        appEnv: 'localdev',
        sentryDsn: `http://publickey@127.0.0.1:${sentry.port}/1`,
        logzio: { token: TOKEN, listenerUrl: `http://127.0.0.1:${listener.port}` },
        destination: stream,
      }),
    );
    logger.captureError(new Error('local only'));
    await logger.flush(1_000);
    await logger.shutdown(1_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sentry.requests).toHaveLength(0);
    expect(listener.requests).toHaveLength(0);
    expect(lines.join('\n')).toContain('local only');
  });
});

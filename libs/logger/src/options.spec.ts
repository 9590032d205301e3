import { LoggerError } from './errors';
import { resolveOptions, shouldUseProdLogging } from './options';
import type { FractalLoggerOptions } from './types';

describe('shouldUseProdLogging', () => {
  it.each([
    ['localdev', undefined, false],
    ['development', undefined, true],
    ['staging', undefined, true],
    ['production', undefined, true],
    ['localdev', true, true],
    ['production', false, false],
  ] as const)('%s with USE_PROD_LOGGING=%s is %s', (env, flag, expected) => {
    expect(shouldUseProdLogging(env, flag)).toBe(expected);
  });
});

describe('resolveOptions', () => {
  const invalid = (options: unknown, message: RegExp) => {
    let thrown: unknown;
    try {
      resolveOptions(options as FractalLoggerOptions);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(LoggerError);
    expect((thrown as LoggerError).code).toBe('INVALID_OPTIONS');
    expect((thrown as LoggerError).message).toMatch(message);
  };

  it('fills in defaults', () => {
    expect(resolveOptions({ appEnv: 'localdev' })).toMatchObject({ level: 'debug', prodLogging: false });
    const prod = resolveOptions({ appEnv: 'production', logzio: { token: 't' } });
    expect(prod).toMatchObject({ level: 'info', prodLogging: true });
    expect(prod.logzio?.listener.href).toBe('https://listener.logz.io:8071/');
    expect(prod.logzio).toMatchObject({ sendIntervalMs: 5000, bufferSize: 100, attempts: 3 });
  });

  it('rejects what it cannot use, saying which option', () => {
    invalid(undefined, /options object is required/);
    invalid(
      { appEnv: 'prod' },
      /appEnv must be one of localdev, development, staging, production, got "prod"/,
    );
    invalid({ appEnv: 'staging', level: 'verbose' }, /level must be one of .* got "verbose"/);
    invalid({ appEnv: 'staging', useProdLogging: 'yes' }, /useProdLogging must be a boolean/);
    invalid({ appEnv: 'staging', sentryDsn: 'not a url' }, /sentryDsn is not a URL/);
    invalid({ appEnv: 'staging', sentryDsn: 'https://sentry.io/1' }, /sentryDsn must look like/);
    invalid({ appEnv: 'staging', sentryDsn: 'ftp://k@sentry.io/1' }, /sentryDsn must be http\(s\)/);
    invalid({ appEnv: 'staging', logzio: { token: ' ' } }, /logzio.token must be a non-empty string/);
    invalid(
      { appEnv: 'staging', logzio: { token: 't', listenerUrl: 'udp://x' } },
      /logzio.listenerUrl must be http/,
    );
    invalid(
      { appEnv: 'staging', logzio: { token: 't', bufferSize: 0 } },
      /logzio.bufferSize must be a positive integer/,
    );
    invalid({ appEnv: 'staging', destination: {} }, /destination must be a writable stream/);
  });

  it('accepts a well-formed DSN and treats empty strings as absent', () => {
    expect(
      resolveOptions({ appEnv: 'staging', sentryDsn: 'https://abc@o1.ingest.sentry.io/42' }).sentryDsn,
    ).toBe('https://abc@o1.ingest.sentry.io/42');
    expect(resolveOptions({ appEnv: 'staging', sentryDsn: '', release: '' })).toMatchObject({
      sentryDsn: undefined,
      release: undefined,
    });
  });
});

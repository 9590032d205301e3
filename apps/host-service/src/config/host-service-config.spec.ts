import { PassThrough } from 'node:stream';
import { createLogger, type AppEnv } from '@fractal/logger';
import { APP_ENVS, type AppEnvName } from './host-service-config';

describe('APP_ENVS', () => {
  it('names the environments @fractal/logger takes, no more and no fewer', async () => {
    // Both ways at compile time: a name only one side knows fails the type check.
    const toLogger = (e: AppEnvName): AppEnv => e;
    const fromLogger = (e: AppEnv): AppEnvName => e;
    expect(APP_ENVS.map(toLogger).map(fromLogger)).toEqual(APP_ENVS);
    // And at run time: the logger's own check accepts each one.
    for (const appEnv of APP_ENVS) {
      const logger = createLogger({ appEnv, useProdLogging: false, destination: new PassThrough() });
      await logger.shutdown(1000);
    }
  });
});

import { ConfigError } from '../config/config-error';
import { isLoopback, parseOpsConfig } from './ops-config';

describe('parseOpsConfig', () => {
  it('defaults to 127.0.0.1:4679 and a 5 s drain poll', () => {
    expect(parseOpsConfig({})).toEqual({ host: '127.0.0.1', port: 4679, drainPollMs: 5000 });
  });

  it('takes valid values, port 0 included', () => {
    expect(parseOpsConfig({ OPS_HOST: '::1', OPS_PORT: '0', DRAIN_POLL_INTERVAL_MS: '250' })).toEqual({
      host: '::1',
      port: 0,
      drainPollMs: 250,
    });
  });

  it('reports every bad value at once', () => {
    let caught: unknown;
    try {
      parseOpsConfig({ OPS_HOST: 'localhost', OPS_PORT: '70000', DRAIN_POLL_INTERVAL_MS: '5s' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues).toEqual([
      'OPS_HOST must be an IP address, got "localhost"',
      'OPS_PORT must be an integer in 0..65535, got "70000"',
      'DRAIN_POLL_INTERVAL_MS must be an integer in 100..600000, got "5s"',
    ]);
  });

  it('tells loopback addresses from others', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1'].map(isLoopback)).toEqual([true, true, true]);
    expect(['0.0.0.0', '10.0.0.5', '::'].map(isLoopback)).toEqual([false, false, false]);
  });
});

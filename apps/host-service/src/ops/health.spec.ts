import { checkHealth } from './health';

describe('checkHealth', () => {
  const ok = { pingDocker: async () => 'OK', eventStreamDownSince: () => null, shuttingDown: () => false };

  it('is ok when Docker answers, the event stream is up and no shutdown runs', async () => {
    await expect(checkHealth(ok)).resolves.toEqual({ status: 'ok' });
  });

  it('gives every reason at once', async () => {
    const report = await checkHealth({
      pingDocker: () => Promise.reject(new Error('connect ENOENT /var/run/docker.sock')),
      eventStreamDownSince: () => 0,
      shuttingDown: () => true,
      now: () => 45_000,
    });
    expect(report).toEqual({
      status: 'unhealthy',
      reasons: [
        'shutting down',
        'Docker unreachable: connect ENOENT /var/run/docker.sock',
        'Docker event stream down for 45 s',
      ],
    });
  });

  it('allows the event stream 30 s to come back, and gives a hung ping up', async () => {
    const report = await checkHealth({
      ...ok,
      pingDocker: () => new Promise(() => undefined),
      pingTimeoutMs: 20,
      eventStreamDownSince: () => 0,
      now: () => 29_000,
    });
    expect(report).toEqual({
      status: 'unhealthy',
      reasons: ['Docker unreachable: no answer to a ping within 20 ms'],
    });
  });
});

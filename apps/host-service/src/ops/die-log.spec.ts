import type Dockerode from 'dockerode';
import { PassThrough } from 'node:stream';
import { createMemoryLogger } from '@fractal/logger/testing';
import { DieLog } from './die-log';

describe('DieLog', () => {
  it('logs each death with its exit code, and OOM-killed when an oom event came first', async () => {
    const stream = new PassThrough();
    const filters: unknown[] = [];
    const docker = {
      getEvents: async (opts: { filters: unknown }) => {
        filters.push(opts.filters);
        return stream;
      },
    } as unknown as Dockerode;
    const memory = createMemoryLogger();
    const dies = new DieLog(docker, memory.logger, (id) => id === 'f1');
    await dies.start();
    const attrs = (exitCode: string, fractalId = 'f1') => ({
      'fractal.id': fractalId,
      'fractal.app': 'app',
      exitCode,
    });
    const event = (id: string, Action: string, a: Record<string, string> = {}) =>
      `${JSON.stringify({ id, Action, time: 1, Actor: { Attributes: a } })}\n`;
    stream.write(event('d9', 'die', attrs('1', 'another-daemons')));
    stream.write(event('d1', 'oom'));
    stream.write(event('d1', 'die', attrs('137')));
    stream.write(event('d2', 'die', attrs('0')).slice(0, 10));
    stream.write(event('d2', 'die', attrs('0')).slice(10));
    await new Promise((r) => setImmediate(r));
    dies.stop();
    expect(filters).toEqual([{ type: ['container'], event: ['oom', 'die'], label: ['fractal.id'] }]);
    expect(memory.lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        fractalId: 'f1',
        dockerId: 'd1',
        exitCode: 137,
        oomKilled: true,
        msg: 'container died (exit code 137, OOM-killed)',
      }),
      expect.objectContaining({
        level: 'info',
        dockerId: 'd2',
        exitCode: 0,
        oomKilled: false,
        msg: 'container died',
      }),
    ]);
  });
});

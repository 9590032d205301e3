import { PassThrough } from 'node:stream';
import { createMemoryLogger } from '@fractal/logger/testing';
import type { DockerEngine } from './docker';
import { DockerEventLoop } from './docker-events';

describe('DockerEventLoop stream health', () => {
  it('reports reconnects after the first subscription and the time no stream is open', async () => {
    const streams: PassThrough[] = [];
    const docker = {
      events: async () => {
        const s = new PassThrough();
        streams.push(s);
        return s;
      },
    } as unknown as DockerEngine;
    let now = 1_000;
    let reconnects = 0;
    const loop = new DockerEventLoop({
      docker,
      fractalDir: '/fractal',
      logger: createMemoryLogger().logger,
      onEvent: () => undefined,
      onResubscribed: async () => undefined,
      onReconnected: () => (reconnects += 1),
      now: () => now,
      minBackoffMs: 1,
      maxBackoffMs: 1,
    });
    expect(loop.downSince()).toBe(1_000);
    await loop.start();
    expect([loop.downSince(), reconnects]).toEqual([null, 0]);
    now = 2_000;
    streams[0].destroy();
    await new Promise((r) => setImmediate(r));
    expect(loop.downSince()).toBe(2_000);
    for (let i = 0; i < 50 && streams.length < 2; i += 1) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setImmediate(r));
    expect([streams.length, loop.downSince(), reconnects]).toEqual([2, null, 1]);
    loop.stop();
  });
});

import type Dockerode from 'dockerode';
import { PassThrough } from 'node:stream';
import { probeEventStream } from './event-stream-probe';

describe('probeEventStream', () => {
  it('counts reconnects and the time no stream is open; passes everything else through', async () => {
    const streams: PassThrough[] = [];
    const docker = {
      getEvents: async () => {
        const s = new PassThrough();
        streams.push(s);
        return s;
      },
      ping: async () => 'OK',
    } as unknown as Dockerode;
    let now = 1_000;
    let reconnects = 0;
    const probe = probeEventStream(
      docker,
      () => (reconnects += 1),
      () => now,
    );
    expect(probe.downSince()).toBe(1_000);
    await probe.docker.getEvents({});
    expect([probe.downSince(), reconnects]).toEqual([null, 0]);
    now = 2_000;
    streams[0].destroy();
    await new Promise((r) => setImmediate(r));
    expect(probe.downSince()).toBe(2_000);
    await probe.docker.getEvents({});
    expect([probe.downSince(), reconnects]).toEqual([null, 1]);
    await expect(probe.docker.ping()).resolves.toBe('OK');
  });
});

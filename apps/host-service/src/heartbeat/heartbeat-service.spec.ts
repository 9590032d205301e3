import { HeartbeatService, jitteredIntervalMs } from './heartbeat-service';
import type { TimerHandle, Timers } from './heartbeat-service';
import type { HeartbeatRequest } from './payloads';

/** A clock and timer queue the test advances by hand. */
class FakeTimers implements Timers {
  nowMs = Date.parse('2024-01-01T00:00:00Z');
  private queue: { at: number; fn: () => void; handle: TimerHandle & { unrefed: boolean } }[] = [];
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = { unrefed: false, unref: () => (handle.unrefed = true) };
    this.queue.push({ at: this.nowMs + ms, fn, handle });
    return handle;
  }
  clearTimeout(handle: TimerHandle): void {
    this.queue = this.queue.filter((t) => t.handle !== handle);
  }
  pending(): { delay: number; unrefed: boolean }[] {
    return this.queue.map((t) => ({ delay: t.at - this.nowMs, unrefed: t.handle.unrefed }));
  }
  /** Moves the clock to the next timer and fires it. */
  fireNext(): void {
    const next = this.queue.sort((a, b) => a.at - b.at).shift();
    if (next === undefined) throw new Error('no timer pending');
    this.nowMs = next.at;
    next.fn();
  }
}

const flush = () => new Promise((r) => setImmediate(r));

const setup = (opts: { intervalMs: number | null; failSend?: boolean; random?: () => number }) => {
  const timers = new FakeTimers();
  const sent: HeartbeatRequest[] = [];
  const warnings: string[] = [];
  const service = new HeartbeatService({
    send: async (body) => {
      sent.push(body);
      if (opts.failSend === true) throw new Error('webserver down');
    },
    authToken: 'tok',
    instanceId: 'i-1',
    readMeminfo: async () => ({ totalKb: '1000', freeKb: '200', availKb: '500' }),
    intervalMs: opts.intervalMs,
    logger: { warn: (obj) => void warnings.push(JSON.stringify(obj)), debug: () => undefined },
    random: opts.random ?? (() => 0.5),
    now: () => new Date(timers.nowMs),
    timers,
  });
  return { timers, sent, warnings, service };
};

describe('HeartbeatService', () => {
  it('beats at once, then every interval, numbering each beat', async () => {
    const { timers, sent, service } = setup({ intervalMs: 1000 });
    service.start();
    await flush();
    expect(sent).toHaveLength(1);
    expect(timers.pending()).toEqual([{ delay: 1000, unrefed: true }]);
    timers.fireNext();
    await flush();
    timers.fireNext();
    await flush();
    expect(sent.map((b) => [b.HeartbeatNumber, b.Timestamp])).toEqual([
      [1, '2024-01-01 00:00:00 +0000 UTC'],
      [2, '2024-01-01 00:00:01 +0000 UTC'],
      [3, '2024-01-01 00:00:02 +0000 UTC'],
    ]);
    expect(sent[0]).toEqual({
      AuthToken: 'tok',
      Timestamp: '2024-01-01 00:00:00 +0000 UTC',
      HeartbeatNumber: 1,
      InstanceID: 'i-1',
      TotalRAMinKB: '1000',
      FreeRAMinKB: '200',
      AvailRAMinKB: '500',
      IsDyingHeartbeat: false,
    });
  });

  it('draws a fresh 55–65 s delay before each beat by default', async () => {
    const draws = [0, 0.9999999];
    const { timers, service } = setup({ intervalMs: null, random: () => draws.shift() ?? 0.5 });
    service.start();
    await flush();
    expect(timers.pending()[0].delay).toBe(55_000);
    timers.fireNext();
    await flush();
    expect(timers.pending()[0].delay).toBe(65_000);
    expect(jitteredIntervalMs(() => 0.5)).toBe(60_000);
  });

  it('sends a dying heartbeat at shutdown and nothing after it', async () => {
    const { timers, sent, service } = setup({ intervalMs: 1000 });
    service.start();
    await flush();
    await Promise.all([service.shutdown(), service.shutdown()]);
    expect(sent.map((b) => [b.HeartbeatNumber, b.IsDyingHeartbeat])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(timers.pending()).toEqual([]);
  });

  it('stop (detach for an upgrade) ends the schedule without a dying heartbeat', async () => {
    const { timers, sent, service } = setup({ intervalMs: 1000 });
    service.start();
    await flush();
    await service.stop();
    await service.shutdown();
    expect(sent.map((b) => [b.HeartbeatNumber, b.IsDyingHeartbeat])).toEqual([[1, false]]);
    expect(timers.pending()).toEqual([]);
  });

  it('sends the dying heartbeat even if it never started', async () => {
    const { sent, service } = setup({ intervalMs: 1000 });
    await service.shutdown();
    expect(sent.map((b) => b.IsDyingHeartbeat)).toEqual([true]);
  });

  it('logs a failed beat and keeps beating', async () => {
    const { timers, sent, warnings, service } = setup({ intervalMs: 1000, failSend: true });
    service.start();
    await flush();
    timers.fireNext();
    await flush();
    expect(sent).toHaveLength(2);
    expect(warnings[0]).toContain('webserver down');
    await expect(service.shutdown()).resolves.toBeUndefined();
  });
});

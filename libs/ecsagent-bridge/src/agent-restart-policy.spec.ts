import { AgentRestartPolicy } from './agent-restart-policy';

describe('AgentRestartPolicy', () => {
  it('waits 1 s doubling to 60 s, and gives up at the 5th exit within 10 minutes', () => {
    let t = 0;
    const p = new AgentRestartPolicy({ now: () => t });
    const delays: unknown[] = [];
    for (let i = 0; i < 5; i += 1) {
      t += 1000;
      delays.push(p.exited());
      p.started();
    }
    expect(delays).toEqual([
      { giveUp: false, delayMs: 1000 },
      { giveUp: false, delayMs: 2000 },
      { giveUp: false, delayMs: 4000 },
      { giveUp: false, delayMs: 8000 },
      { giveUp: true, exits: 5 },
    ]);
  });

  it('caps the delay at 60 s when exits are spread out, and resets it after a long run', () => {
    let t = 0;
    const p = new AgentRestartPolicy({ now: () => t, maxExits: 100 });
    let last = 0;
    for (let i = 0; i < 10; i += 1) {
      t += 1000;
      const d = p.exited();
      if (!d.giveUp) last = d.delayMs;
      p.started();
    }
    expect(last).toBe(60_000);
    t += 700_000; // ran for over 10 minutes
    expect(p.exited()).toEqual({ giveUp: false, delayMs: 1000 });
  });

  it('forgets exits older than the window', () => {
    let t = 0;
    const p = new AgentRestartPolicy({ now: () => t });
    for (let i = 0; i < 4; i += 1) {
      t += 200_000; // 4 exits, but never 5 within 10 minutes
      expect(p.exited().giveUp).toBe(false);
    }
    t += 200_000;
    expect(p.exited().giveUp).toBe(false);
  });

  it('refuses nonsense options', () => {
    expect(() => new AgentRestartPolicy({ maxDelayMs: 0 })).toThrow(
      'restart.maxDelayMs must be a positive number, got 0',
    );
  });
});

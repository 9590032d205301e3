import { createMemoryLogger } from './testing';

describe('child loggers', () => {
  it('keep captureError: an error reported through a child reaches Sentry with its bindings', () => {
    const memory = createMemoryLogger();
    const child = memory.logger.child({ component: 'containers' }).child({ fractalId: 'f1' });
    const err = new Error('restore failed');
    child.captureError(err, { appName: 'chrome' });
    expect(memory.captured).toEqual([err]);
    expect(memory.capturedContexts[0]).toEqual({
      component: 'containers',
      fractalId: 'f1',
      appName: 'chrome',
    });
    expect(memory.lines[0]).toMatchObject({
      level: 'error',
      component: 'containers',
      fractalId: 'f1',
      msg: 'restore failed',
    });
  });

  it('keep captureError with log: false: Sentry hears of it, no second line', () => {
    const memory = createMemoryLogger();
    const err = new Error('already logged');
    memory.logger.child({ component: 'ecs-agent' }).captureError(err, undefined, { log: false });
    expect(memory.lines).toEqual([]);
    expect(memory.captured).toEqual([err]);
    expect(memory.capturedContexts[0]).toEqual({ component: 'ecs-agent' });
  });
});

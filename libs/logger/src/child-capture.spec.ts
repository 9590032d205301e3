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
      level: 50,
      component: 'containers',
      fractalId: 'f1',
      msg: 'restore failed',
    });
  });
});

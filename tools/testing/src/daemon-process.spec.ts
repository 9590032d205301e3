import { startProcess } from './daemon-process';

const node = (script: string, env: Record<string, string | undefined> = {}) =>
  startProcess(process.execPath, { args: ['-e', script], env });

describe('startProcess', () => {
  it('collects stdout and stderr, parses JSON log lines and finds one by its msg', async () => {
    const p = node(
      `console.log(JSON.stringify({ msg: 'starting' })); console.error('plain'); ` +
        `setTimeout(() => console.log(JSON.stringify({ msg: 'ready now', port: 1 })), 20)`,
    );
    expect(await p.waitForLog('ready')).toEqual({ msg: 'ready now', port: 1 });
    expect(await p.exited).toBe(0);
    expect(p.output()).toContain('plain');
    expect(p.logLines().map((l) => l.msg)).toEqual(['starting', 'ready now']);
    expect(p.startedAt).toBeLessThanOrEqual(performance.now());
  });

  it('passes exactly its env, leaving out keys set to undefined', async () => {
    const p = node(`console.log(JSON.stringify({ msg: 'env', keys: Object.keys(process.env).sort() }))`, {
      KEPT: 'yes',
      DROPPED: undefined,
    });
    expect((await p.waitForLog('env')).keys).toEqual(['KEPT']);
  });

  it('rejects a wait for a line the process exits without logging', async () => {
    const p = node(`console.log('bye'); process.exit(3)`);
    await expect(p.waitForLog('never')).rejects.toThrow(/exited before logging "never"[\s\S]*bye/);
    expect(await p.exited).toBe(3);
  });

  it('kill() SIGKILLs a running process and is a no-op once it has exited', async () => {
    const p = node(`setInterval(() => undefined, 1000)`);
    await p.kill();
    expect(p.child.signalCode).toBe('SIGKILL');
    await p.kill();
  });
});

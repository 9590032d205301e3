import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireDaemonLock, processStartTime } from './daemon-lock';

describe('acquireDaemonLock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'daemon-lock-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes "<pid> <start time>" and removes it (and the empty dir) on release', async () => {
    const priv = join(dir, 'private');
    const lock = await acquireDaemonLock(priv);
    expect(await readFile(lock.path, 'utf8')).toBe(`${process.pid} ${processStartTime('self')}\n`);
    await lock.release();
    await expect(stat(priv)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses while the holder lives, naming its pid', async () => {
    const child = spawn('sleep', ['30']);
    try {
      await new Promise((r) => child.once('spawn', r));
      const pid = child.pid ?? 0;
      await writeFile(join(dir, 'host-service.pid'), `${pid} ${processStartTime(pid)}\n`);
      await expect(acquireDaemonLock(dir)).rejects.toMatchObject({
        code: 'ALREADY_RUNNING',
        message: expect.stringContaining(`another host service (pid ${pid}) is running`),
      });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('takes over a stale pidfile: dead pid, or a live pid with another start time (reused)', async () => {
    const file = join(dir, 'host-service.pid');
    await writeFile(file, '999999999 1\n');
    await (await acquireDaemonLock(dir)).release();
    await mkdir(dir);
    await writeFile(file, `1 ${Number(processStartTime(1)) + 1}\n`);
    const lock = await acquireDaemonLock(dir);
    expect(await readFile(file, 'utf8')).toContain(`${process.pid} `);
    await lock.release();
  });
});

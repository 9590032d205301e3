import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { join } from 'node:path';
import { freePort, startDaemon } from '../../test/e2e/daemon-process';
import type { DaemonProcess } from '../../test/e2e/daemon-process';
import { makeTempRoot, removeTempRoot } from '../../test/e2e/temp-root';

/** A start-up error an operator meets: logged once as JSON, and one human line with a hint. */
describe('start-up errors (localdev) as a process', () => {
  let root: string;
  let daemon: DaemonProcess | undefined;
  let blocker: Server;

  beforeAll(async () => {
    root = await makeTempRoot('ops-startup');
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await daemon?.kill();
    await new Promise((resolve) => blocker.close(resolve));
    await removeTempRoot(root);
  });

  it('names the busy OPS_PORT and what to do, once on stdout (JSON) and once on stderr', async () => {
    const busy = (blocker.address() as AddressInfo).port;
    daemon = startDaemon({
      HOST_SERVICE_PORT: String(await freePort()),
      HOST_SERVICE_HOST: '127.0.0.1',
      OPS_PORT: String(busy),
      FRACTAL_DIR: join(root, 'fractal'),
      FRACTAL_PRIVATE_DIR: join(root, 'private'),
      UINPUT: 'off',
    });
    expect(await daemon.exited).toBe(1);
    const human = daemon
      .output()
      .split('\n')
      .filter((l) => l.startsWith('host-service:'));
    expect(human).toEqual([
      `host-service: cannot listen on http://127.0.0.1:${busy} (ops listener): port ${busy} is already in use (EADDRINUSE); another host service may still be running (\`ss -ltnp 'sport = :${busy}'\` shows who), stop it or set OPS_PORT to a free port`,
    ]);
    const mentions = daemon.logLines().filter((l) => JSON.stringify(l).includes('EADDRINUSE'));
    expect(mentions).toEqual([expect.objectContaining({ level: 'fatal', context: 'start-up' })]);
    expect(daemon.logLines().every((l) => typeof l.level === 'string')).toBe(true);
    expect(daemon.logLines().at(-1)?.msg).toBe('host service stopped');
  }, 60_000);
});

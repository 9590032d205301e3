import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryLogger } from '@fractal/logger/testing';
import { PortAllocator } from '@fractal/portbindings';
import { FakePortProbe } from '@fractal/portbindings/testing';
import { InMemoryConfigStore } from '@fractal/userconfigs/testing';
import { FakeDockerEngine } from '../../test/fake-docker-engine';
import { spinReq, token, values } from '../../test/harness';
import { createContainerCore } from './container-core';

/** Defect found in review: the manager's logger was a child without captureError (0 Sentry events). */
describe('the daemon’s container wiring', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'wiring-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('sends a failed restore to Sentry, with the container in the context', async () => {
    const memory = createMemoryLogger({ level: 'warn' });
    const store = new InMemoryConfigStore();
    store.failNext(10); // the store is unreachable
    const fractalDir = join(root, 'fractal');
    await mkdir(join(fractalDir, 'temp'), { recursive: true });
    const { manager } = createContainerCore({
      config: { fractalDir, fractalPrivateDir: join(root, 'private'), containerUid: 1000, uinput: 'off' },
      docker: new FakeDockerEngine(),
      ports: new PortAllocator({ minPort: 41000, maxPort: 41099, probe: new FakePortProbe() }),
      store,
      logger: memory.logger,
      hasNvidiaRuntime: false,
    });
    await manager.start();
    try {
      const id = await manager.spinUp(spinReq);
      const port = manager.byDockerId(id)?.hostPort ?? 0;
      await manager.setStartValues(values(port));
      await manager.setConfigToken(token(port));
      expect(memory.captured).toHaveLength(1);
      expect(memory.capturedContexts[0]).toMatchObject({
        component: 'containers',
        fractalId: manager.byDockerId(id)?.fractalId,
        appName: 'test-app',
      });
    } finally {
      await manager.shutdown();
    }
  });

  it('with an observer: restores are timed and the returned TTY allocator is the manager’s', async () => {
    const memory = createMemoryLogger({ level: 'warn' });
    const fractalDir = join(root, 'fractal');
    await mkdir(join(fractalDir, 'temp'), { recursive: true });
    const seen: string[] = [];
    const { manager, ttys } = createContainerCore({
      config: { fractalDir, fractalPrivateDir: join(root, 'private'), containerUid: 1000, uinput: 'off' },
      docker: new FakeDockerEngine(),
      ports: new PortAllocator({ minPort: 41000, maxPort: 41099, probe: new FakePortProbe() }),
      store: new InMemoryConfigStore(),
      logger: memory.logger,
      hasNvidiaRuntime: false,
      observer: {
        restoreObserved: (outcome) => void seen.push(`restore ${outcome}`),
        backupObserved: (outcome) => void seen.push(`backup ${outcome}`),
        configBytes: (direction) => void seen.push(`bytes ${direction}`),
        eventStreamReconnected: () => void seen.push('reconnect'),
      },
    });
    await manager.start();
    try {
      expect(ttys.inUse()).toBe(0);
      const id = await manager.spinUp(spinReq);
      expect(ttys.inUse()).toBe(1);
      const port = manager.byDockerId(id)?.hostPort ?? 0;
      await manager.setStartValues(values(port));
      await manager.setConfigToken(token(port));
      expect(seen).toEqual(['restore first-session']);
    } finally {
      await manager.shutdown();
    }
    expect(ttys.inUse()).toBe(0);
    expect(seen).toEqual(['restore first-session', 'bytes upload', 'backup uploaded']);
  });
});

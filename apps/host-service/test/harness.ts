import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PortAllocator } from '@fractal/portbindings';
import { FakePortProbe } from '@fractal/portbindings/testing';
import { TtyAllocator } from '@fractal/ttys';
import type { DeviceSet } from '@fractal/uinput';
import { createFakeDeviceSet } from '@fractal/uinput/testing';
import { UserConfigSync } from '@fractal/userconfigs';
import { InMemoryConfigStore } from '@fractal/userconfigs/testing';
import { createMemoryLogger } from '@fractal/logger/testing';
import type { MemoryLogger } from '@fractal/logger/testing';
import { ContainerManager } from '../src/containers';
import type { ContainerManagerDeps } from '../src/containers';
import { FakeDockerEngine } from './fake-docker-engine';

export interface Harness {
  manager: ContainerManager;
  docker: FakeDockerEngine;
  /** Checkpoint dir (FRACTAL_PRIVATE_DIR/containers). */
  stateDir: string;
  /** A second manager on the same engine, dirs and checkpoints: the daemon after a restart. */
  restart(overrides?: Partial<ContainerManagerDeps>): ContainerManager;
  deps: ContainerManagerDeps;
  ports: PortAllocator;
  ttys: TtyAllocator;
  store: InMemoryConfigStore;
  memory: MemoryLogger;
  fractalDir: string;
  devicesMade: DeviceSet[];
  devicesClosed: number;
  fdSends: Array<{ socketPath: string; fds: readonly number[]; signal: AbortSignal }>;
  /** Everything under fractalDir except the shared `temp` parent and its empty state. */
  leftovers(): Promise<string[]>;
  close(): Promise<void>;
}

/** A ContainerManager on fakes (engine, probe, uinput, config store) in a temp FRACTAL_DIR. Tests only. */
export async function createHarness(overrides: Partial<ContainerManagerDeps> = {}): Promise<Harness> {
  const root = await mkdtemp(join(tmpdir(), 'hs-unit-'));
  const fractalDir = join(root, 'fractal');
  await import('node:fs/promises').then((fs) => fs.mkdir(fractalDir));
  const docker = new FakeDockerEngine();
  const stateDir = join(root, 'private', 'containers');
  const ports = new PortAllocator({ minPort: 40000, maxPort: 40999, probe: new FakePortProbe() });
  const ttys = new TtyAllocator({});
  const store = new InMemoryConfigStore();
  const memory = createMemoryLogger();
  const h = {
    docker,
    ports,
    ttys,
    store,
    memory,
    fractalDir,
    stateDir,
    devicesMade: [] as DeviceSet[],
    devicesClosed: 0,
    fdSends: [] as Harness['fdSends'],
  } as Harness;
  h.deps = {
    docker,
    ports,
    ttys,
    devices: {
      allocate: async () => {
        const set = await createFakeDeviceSet();
        h.devicesMade.push(set);
        return {
          ...set,
          close: () => {
            h.devicesClosed += 1;
            set.close();
          },
        };
      },
    },
    sendFds: (socketPath, fds, opts) => {
      h.fdSends.push({ socketPath, fds, signal: opts.signal });
      return new Promise((resolve) => opts.signal.addEventListener('abort', () => resolve()));
    },
    configs: new UserConfigSync({ store, pendingDir: join(root, 'pending') }),
    logger: memory.logger,
    fractalDir,
    stateDir,
    containerUid: 1000,
    hasNvidiaRuntime: false,
    eventsBackoffMs: { min: 5, max: 20 },
    ...overrides,
  };
  h.manager = new ContainerManager(h.deps);
  h.restart = (more = {}) => {
    // A new process: empty allocators, the old manager's memory gone (it is never used again).
    h.ports = new PortAllocator({ minPort: 40000, maxPort: 40999, probe: new FakePortProbe() });
    h.ttys = new TtyAllocator({});
    h.deps = { ...h.deps, ports: h.ports, ttys: h.ttys, ...more };
    h.manager = new ContainerManager(h.deps);
    return h.manager;
  };
  h.leftovers = async () => {
    const top = (await readdir(fractalDir)).filter((n) => n !== 'temp');
    const temp = await readdir(join(fractalDir, 'temp')).catch(() => []);
    return [...top, ...temp.map((n) => `temp/${n}`)];
  };
  h.close = async () => {
    await h.manager.shutdown();
    await rm(root, { recursive: true, force: true });
  };
  return h;
}

/** A spin-up request for the test image, as the API would pass it. */
export const spinReq = {
  appName: 'test-app',
  appImage: 'fractal/test-protocol:latest',
  mountCommand: '',
  protocolTimeout: 60,
};

export const values = (hostPort: number, secret = 'client-secret') => ({
  hostPort,
  dpi: 192,
  userId: 'user-1',
  clientAppAuthSecret: secret,
  containerARN: 'arn:aws:ecs:x',
});

export const token = (hostPort: number, secret = 'client-secret') => ({
  hostPort,
  userId: 'user-1',
  configEncryptionToken: 'tok',
  clientAppAuthSecret: secret,
});

export async function until(check: () => boolean | Promise<boolean>, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

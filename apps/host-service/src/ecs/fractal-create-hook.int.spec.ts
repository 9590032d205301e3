import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { DockerInterposer } from '@fractal/ecsagent-bridge';
import { createMemoryLogger } from '@fractal/logger/testing';
import { PortAllocator, createBindingProbe } from '@fractal/portbindings';
import { TtyAllocator } from '@fractal/ttys';
import type { DeviceSet } from '@fractal/uinput';
import { createFakeDeviceSet } from '@fractal/uinput/testing';
import type { FakeDeviceSet } from '@fractal/uinput/testing';
import { UserConfigSync } from '@fractal/userconfigs';
import { InMemoryConfigStore } from '@fractal/userconfigs/testing';
import { ContainerManager, DockerodeEngine } from '../containers';
import { dockerCli, waitFor } from '../../test/e2e/docker-cli';
import { createFractalCreateHook, FRACTAL_ID_PLACEHOLDER } from './fractal-create-hook';
import { removeLabelled } from '@tools/testing';

const IMAGE = 'fractal/test-protocol:latest';
const LABEL_VALUE = `ecs-daemon-${process.pid}`; // per run: other runs may share the engine
const LABEL = `fractal.test=${LABEL_VALUE}`;
const POOL = { minPort: 43000, maxPort: 43999 };
/**
 * The fake set's nodes (/dev/input/event100..) do not exist here, and Docker refuses a missing
 * device node at start. The set stays the recording fake; only the host side of its mappings
 * points at real character devices so that the container can run.
 */
const REAL_NODES = ['/dev/null', '/dev/zero', '/dev/full'];

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

describe('the Fractal create hook behind the interposer, on the real engine', () => {
  const docker = new Dockerode();
  let root: string;
  let fractalDir: string;
  let socketPath: string;
  let manager: ContainerManager;
  let interposer: DockerInterposer;
  let ports: PortAllocator;
  let ttys: TtyAllocator;
  let store: InMemoryConfigStore;
  const deviceSets: Array<{ fake: FakeDeviceSet; closed: boolean }> = [];
  const fdSends: Array<{ socketPath: string; fds: readonly number[]; signal: AbortSignal }> = [];

  /** What an ECS task definition for a Fractal app binds: the per-container dirs and a data dir. */
  const taskBinds = (): string[] => [
    '-v',
    `${fractalDir}/${FRACTAL_ID_PLACEHOLDER}/containerResourceMappings:/fractal/resourceMappings:ro`,
    '-v',
    `${fractalDir}/${FRACTAL_ID_PLACEHOLDER}/userConfigs/unpacked_configs:/fractal/userConfigs:rshared`,
    '-v',
    `${root}/data/${FRACTAL_ID_PLACEHOLDER}:/data`,
  ];

  const leftovers = async (): Promise<string[]> => [
    ...(await readdir(fractalDir)).filter((n) => n !== 'temp'),
    ...(await readdir(join(fractalDir, 'temp')).catch(() => [])),
  ];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'hs-ecs-hook-'));
    fractalDir = join(root, 'fractal');
    socketPath = join(root, 'run', 'ecs-docker.sock');
    await mkdir(fractalDir);
    // The task's rshared config bind needs a shared source mount, as the daemon makes at start.
    execFileSync('mount', ['--bind', fractalDir, fractalDir]);
    execFileSync('mount', ['--make-rshared', fractalDir]);
    const { logger } = createMemoryLogger({ level: 'info' });
    ports = new PortAllocator({ ...POOL, probe: createBindingProbe() });
    ttys = new TtyAllocator({});
    store = new InMemoryConfigStore();
    manager = new ContainerManager({
      docker: new DockerodeEngine(docker),
      stateDir: join(root, 'private', 'containers'),
      ports,
      ttys,
      devices: {
        allocate: async (): Promise<DeviceSet> => {
          const fake = await createFakeDeviceSet();
          const record = { fake, closed: false };
          deviceSets.push(record);
          return {
            ...fake,
            dockerDevices: fake.dockerDevices.map((d, i) => ({ ...d, PathOnHost: REAL_NODES[i] })),
            close: () => {
              record.closed = true;
              fake.close();
            },
          };
        },
      },
      sendFds: (path, fds, opts) => {
        fdSends.push({ socketPath: path, fds, signal: opts.signal });
        return new Promise((resolve) => opts.signal.addEventListener('abort', () => resolve()));
      },
      configs: new UserConfigSync({ store, pendingDir: join(root, 'pending') }),
      logger,
      fractalDir,
      containerUid: 1000,
      hasNvidiaRuntime: false,
      eventsBackoffMs: { min: 100, max: 1000 },
    });
    await manager.start();
    interposer = new DockerInterposer({ socketPath, hook: createFractalCreateHook({ manager, logger }) });
    await interposer.start();
  });

  afterAll(async () => {
    await interposer?.shutdown();
    await manager?.shutdown();
    await removeLabelled(docker, LABEL);
    try {
      execFileSync('umount', ['-l', fractalDir]);
    } catch {
      // not mounted: beforeAll failed early
    }
    await rm(root, { recursive: true, force: true });
  });

  it('gives a docker run through the interposer our port, dirs, devices and TTY; ready; docker kill frees it', async () => {
    const run = await dockerCli(socketPath, [
      'run',
      '-d',
      '--label',
      LABEL,
      '-p',
      '0:32262',
      ...taskBinds(),
      IMAGE,
    ]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const dockerId = run.stdout.trim();
    const info = await docker.getContainer(dockerId).inspect();
    expect(info.State.Running).toBe(true);

    const hostPort = Number(info.HostConfig.PortBindings['32262/tcp'][0].HostPort);
    expect(hostPort).toBeGreaterThanOrEqual(POOL.minPort);
    expect(hostPort).toBeLessThanOrEqual(POOL.maxPort);
    expect(Number(info.NetworkSettings.Ports['32262/tcp']?.[0]?.HostPort)).toBe(hostPort);
    const entry = manager.byHostPort(hostPort);
    expect(entry).toBeDefined();
    expect(manager.byDockerId(dockerId)?.fractalId).toBe(entry?.fractalId);
    expect(entry).toMatchObject({ appName: 'test-protocol', dockerId });
    const fractalId = entry?.fractalId ?? '';
    expect(ports.heldBy(fractalId)).toEqual([expect.objectContaining({ hostPort, containerPort: 32262 })]);
    expect(info.Config.Labels).toMatchObject({
      'fractal.id': fractalId,
      'fractal.app': 'test-protocol',
      'fractal.test': LABEL_VALUE,
    });

    // The placeholder became the FractalID in every bind source.
    expect([...(info.HostConfig.Binds ?? [])].sort()).toEqual(
      [
        `${fractalDir}/${fractalId}/containerResourceMappings:/fractal/resourceMappings:ro`,
        `${fractalDir}/${fractalId}/userConfigs/unpacked_configs:/fractal/userConfigs:rshared`,
        `${root}/data/${fractalId}:/data`,
      ].sort(),
    );
    expect(JSON.stringify(info)).not.toContain(FRACTAL_ID_PLACEHOLDER);

    expect(deviceSets).toHaveLength(1);
    const fake = deviceSets[0].fake;
    expect(info.HostConfig.Devices).toEqual(
      fake.dockerDevices.map((d, i) => ({ ...d, PathOnHost: REAL_NODES[i] })),
    );
    // The container's devices stay open on the host while it runs.
    expect([...fake.syscalls.openFds()].sort()).toEqual([...fake.fds].sort());
    expect(fake.fds).toHaveLength(3);
    expect(fdSends).toEqual([
      expect.objectContaining({ socketPath: join(entry?.dirs.sockets ?? '', 'uinput.sock'), fds: fake.fds }),
    ]);

    const resources = join(fractalDir, fractalId, 'containerResourceMappings');
    expect(await readFile(join(resources, 'hostPort_for_my_32262_tcp'), 'utf8')).toBe(String(hostPort));
    const tty = Number(await readFile(join(resources, 'tty'), 'utf8'));
    expect(tty).toBeGreaterThanOrEqual(10);
    expect(tty).toBeLessThanOrEqual(63);
    expect(ttys.inUse()).toBe(1);

    const common = { hostPort, userId: 'ecs-user', clientAppAuthSecret: 'client-secret' };
    await manager.setStartValues({ ...common, dpi: 120, containerARN: 'arn:aws:ecs:test:0:task/ecs' });
    await manager.setConfigToken({ ...common, configEncryptionToken: 'ecs-token' });
    expect(await exists(join(resources, '.ready'))).toBe(true);
    const logs = await waitFor('the container to see .ready', async () => {
      const out = (await docker.getContainer(dockerId).logs({ stdout: true, stderr: true })).toString();
      // It prints the resource files just after `ready`: wait for the lines, not only the first.
      return out.includes('test-protocol: ready') && out.includes(`hostPort_for_my_32262_tcp=${hostPort}`)
        ? out
        : undefined;
    });
    expect(logs).toContain('test-protocol: DPI=120');
    expect(logs).toContain(`test-protocol: hostPort_for_my_32262_tcp=${hostPort}`);

    const kill = await dockerCli(socketPath, ['kill', dockerId]);
    expect(kill.code).toBe(0);
    await waitFor('cleanup after docker kill', () => (manager.size() === 0 ? true : undefined));
    await waitFor('the container removed', () =>
      docker
        .getContainer(dockerId)
        .inspect()
        .then(
          () => undefined,
          (err: { statusCode?: number }) => (err.statusCode === 404 ? true : undefined),
        ),
    );
    expect(ports.inUse('tcp')).toBe(0);
    expect(ttys.inUse()).toBe(0);
    expect(deviceSets[0].closed).toBe(true);
    expect(fake.syscalls.openFds()).toEqual([]);
    expect(fdSends[0].signal.aborted).toBe(true);
    // Its dirs go last, after the settings are saved: untracked already, cleanup still running.
    await waitFor('its dirs removed', async () => ((await leftovers()).length === 0 ? true : undefined));
    expect(await leftovers()).toEqual([]);
    // The accepted token means the (empty) user config was backed up, as for a spun-up container.
    expect(store.puts).toBe(1);
  });

  it('passes a refused create back to the CLI and frees everything taken for it', async () => {
    const before = {
      tcp: ports.inUse('tcp'),
      ttys: ttys.inUse(),
      size: manager.size(),
      sets: deviceSets.length,
      dirs: await leftovers(),
    };
    const run = await dockerCli(socketPath, [
      'run',
      '-d',
      '--pull',
      'never',
      '--label',
      LABEL,
      '-p',
      '0:32262',
      ...taskBinds(),
      'fractal/does-not-exist:latest',
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('No such image: fractal/does-not-exist:latest');
    // The hook did take resources (a device set was made) and gave them all back.
    expect(deviceSets).toHaveLength(before.sets + 1);
    expect(deviceSets[before.sets].closed).toBe(true);
    expect({
      tcp: ports.inUse('tcp'),
      ttys: ttys.inUse(),
      size: manager.size(),
      sets: deviceSets.length - 1,
      dirs: await leftovers(),
    }).toEqual(before);
    const ours = await docker.listContainers({
      all: true,
      filters: { label: [LABEL, 'fractal.app=does-not-exist'] },
    });
    expect(ours).toEqual([]);
  });
});

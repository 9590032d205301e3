import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import type S3rver from 's3rver';
import { PortAllocator, createBindingProbe } from '@fractal/portbindings';
import { TtyAllocator } from '@fractal/ttys';
import { sendFds } from '@fractal/uinput';
import { UserConfigSync } from '@fractal/userconfigs';
import { S3ConfigStore } from '@fractal/userconfigs/s3';
import { createMemoryLogger } from '@fractal/logger/testing';
import { ContainerManager } from './container-manager';
import type { ContainerManagerDeps } from './container-manager';
import { DockerError, DockerodeEngine } from './docker';
import type { DockerEngine, EventsQuery } from './docker';
import { removeLabelled, startS3rver } from '@tools/testing';

const IMAGE = 'fractal/test-protocol:latest';
const TEST_LABEL = 'fractal.test';
const TEST_LABEL_VALUE = `host-service-containers-${process.pid}`; // per run: other runs may share the engine
const docker = new Dockerode();
const spinReq = { appName: 'test-app', appImage: IMAGE, mountCommand: '', protocolTimeout: 45 };

async function until(
  check: () => boolean | Promise<boolean>,
  ms = 30_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + ms;
  while (
    !(await Promise.resolve()
      .then(check)
      .catch(() => false))
  ) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function logsOf(id: string): Promise<string> {
  const buf = (await docker.getContainer(id).logs({ stdout: true, stderr: true })) as unknown as Buffer;
  return buf.toString();
}

async function removeTestContainers(): Promise<void> {
  await removeLabelled(docker, `${TEST_LABEL}=${TEST_LABEL_VALUE}`);
}

describe('ContainerManager on the real engine and a real S3 server', () => {
  let root: string;
  let fractalDir: string;
  let s3: S3rver;
  let endpoint: string;
  const managers: ContainerManager[] = [];

  const newStore = () =>
    new S3ConfigStore({
      bucket: 'fractal-user-app-configs',
      clientConfig: {
        endpoint,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      },
    });

  async function newManager(over: Partial<ContainerManagerDeps> = {}) {
    const memory = createMemoryLogger({ level: 'info' });
    const ports = new PortAllocator({ minPort: 42000, maxPort: 42999, probe: createBindingProbe() });
    const ttys = new TtyAllocator({});
    const manager = new ContainerManager({
      docker: new DockerodeEngine(docker),
      stateDir: join(root, 'private', 'containers'),
      ports,
      ttys,
      devices: { allocate: async () => null }, // this kernel has no /dev/uinput: UINPUT=auto
      sendFds,
      configs: new UserConfigSync({ store: newStore(), pendingDir: join(root, 'pending') }),
      logger: memory.logger,
      fractalDir,
      containerUid: 1000,
      hasNvidiaRuntime: false,
      extraLabels: { [TEST_LABEL]: TEST_LABEL_VALUE },
      eventsBackoffMs: { min: 100, max: 1000 },
      ...over,
    });
    managers.push(manager);
    await manager.start();
    return { manager, ports, ttys, memory };
  }

  const leftovers = async () => [
    ...(await readdir(fractalDir)).filter((n) => n !== 'temp'),
    ...(await readdir(join(fractalDir, 'temp')).catch(() => [])),
  ];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'hs-int-'));
    fractalDir = join(root, 'fractal');
    await mkdir(fractalDir);
    // rshared bind sources must sit on a shared mount (the daemon does the same at start).
    execFileSync('mount', ['--bind', fractalDir, fractalDir]);
    execFileSync('mount', ['--make-rshared', fractalDir]);
    ({ server: s3, endpoint } = await startS3rver(join(root, 's3'), 'fractal-user-app-configs'));
  });

  afterAll(async () => {
    await Promise.all(managers.map((m) => m.shutdown()));
    await removeTestContainers();
    await s3?.close();
    try {
      execFileSync('umount', ['-l', fractalDir]);
    } catch {
      // not mounted: beforeAll failed early
    }
    await rm(root, { recursive: true, force: true });
  });

  it('spins up, restores the config in either order, becomes ready, and on docker kill frees everything and uploads the config', async () => {
    const { manager, ports, ttys } = await newManager();
    // A saved config from an earlier session, uploaded the way the daemon uploads it.
    const seed = join(root, 'seed');
    await mkdir(seed);
    await writeFile(join(seed, 'settings.json'), '{"theme":"dark"}');
    expect(
      await new UserConfigSync({ store: newStore(), pendingDir: join(root, 'p2') }).backup({
        userId: 'user-1',
        appName: 'test-app',
        token: 'tok',
        dir: seed,
      }),
    ).toBe('uploaded');

    const [idA, idB] = await Promise.all([
      manager.spinUp(spinReq),
      manager.spinUp({ ...spinReq, mountCommand: `-v ${seed}:/seed:ro` }),
    ]);
    const a = manager.byDockerId(idA);
    const b = manager.byDockerId(idB);
    const info = await docker.getContainer(idA).inspect();
    expect(info.State.Running).toBe(true);
    expect(Number(info.HostConfig.PortBindings['32262/tcp'][0].HostPort)).toBe(a?.hostPort);
    expect(Object.keys(info.HostConfig.PortBindings).sort()).toEqual(['32262/tcp', '32263/udp', '32273/tcp']);
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.CapAdd).toEqual(
      expect.arrayContaining(['SYS_NICE', 'SETPCAP', 'NET_BIND_SERVICE']),
    );
    expect(info.HostConfig.ShmSize).toBe(8 * 1024 ** 3);
    expect(info.Config.Labels).toMatchObject({ 'fractal.id': a?.fractalId, 'fractal.app': 'test-app' });
    const mounts = Object.fromEntries(info.Mounts.map((m) => [m.Destination, m]));
    expect(mounts['/fractal/resourceMappings']).toMatchObject({ Source: a?.dirs.resources, RW: false });
    expect(mounts['/fractal/userConfigs']).toMatchObject({
      Source: a?.dirs.unpackedConfigs,
      Propagation: 'rshared',
    });
    expect(mounts['/tmp/sockets']).toMatchObject({ Source: a?.dirs.sockets });
    expect((await docker.getContainer(idB).inspect()).HostConfig.Binds).toEqual([`${seed}:/seed:ro`]);
    expect(await readFile(join(a?.dirs.resources ?? '', 'hostPort_for_my_32262_tcp'), 'utf8')).toBe(
      String(a?.hostPort),
    );
    expect(await readFile(join(a?.dirs.resources ?? '', 'timeout'), 'utf8')).toBe('45');
    expect(ttys.inUse()).toBe(2);

    const values = (hostPort: number) => ({
      hostPort,
      dpi: 144,
      userId: 'user-1',
      clientAppAuthSecret: 'cs',
      containerARN: 'arn:test',
    });
    const token = (hostPort: number) => ({
      hostPort,
      userId: 'user-1',
      configEncryptionToken: 'tok',
      clientAppAuthSecret: 'cs',
    });
    await manager.setConfigToken(token(a?.hostPort ?? 0)); // token first
    await manager.setStartValues(values(a?.hostPort ?? 0));
    await manager.setStartValues(values(b?.hostPort ?? 0)); // values first
    await manager.setConfigToken(token(b?.hostPort ?? 0));
    for (const id of [idA, idB]) {
      // The last line it prints once ready; reading earlier races its output.
      await until(
        async () => (await logsOf(id)).includes('test-protocol: userConfigs:'),
        15_000,
        `${id} ready`,
      );
      const logs = await logsOf(id);
      expect(logs).toContain('test-protocol: DPI=144');
      expect(logs).toContain('settings.json');
    }
    const restored = await stat(join(a?.dirs.unpackedConfigs ?? '', 'settings.json'));
    expect(restored.uid).toBe(1000);

    // The session changes the config; docker kill must bring that change back to S3.
    await writeFile(join(a?.dirs.unpackedConfigs ?? '', 'session.txt'), 'new');
    execFileSync('docker', ['kill', idA]);
    await until(() => manager.byFractalId(a?.fractalId ?? '') === undefined, 30_000, 'cleanup of A');
    await until(
      async () => !(await exists(a?.dirs.root ?? '')) && !(await exists(a?.dirs.temp ?? '')),
      30_000,
      'dirs of A removed',
    );
    await expect(docker.getContainer(idA).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(ports.heldBy(a?.fractalId ?? '')).toEqual([]);
    expect(ttys.inUse()).toBe(1);
    const check = join(root, 'check');
    await mkdir(check);
    await new UserConfigSync({ store: newStore(), pendingDir: join(root, 'p3') }).restore({
      userId: 'user-1',
      appName: 'test-app',
      token: 'tok',
      dir: check,
    });
    expect(await readFile(join(check, 'session.txt'), 'utf8')).toBe('new');

    await manager.shutdown();
    expect(manager.size()).toBe(0);
    expect(await leftovers()).toEqual([]);
    await expect(docker.getContainer(idB).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('gives 20 concurrent spin-ups distinct host ports and TTYs', async () => {
    const { manager, ports } = await newManager();
    const ids = await Promise.all(Array.from({ length: 20 }, () => manager.spinUp(spinReq)));
    const infos = await Promise.all(ids.map((id) => docker.getContainer(id).inspect()));
    expect(infos.every((i) => i.State.Running)).toBe(true);
    // TCP and UDP are separate port spaces: distinct means distinct per protocol.
    const hostPorts = infos.flatMap((i) =>
      Object.entries(i.HostConfig.PortBindings as Record<string, Array<{ HostPort: string }>>).map(
        ([k, b]) => `${b[0].HostPort}/${k.split('/')[1]}`,
      ),
    );
    expect(new Set(hostPorts).size).toBe(60);
    const ttyValues = await Promise.all(
      ids.map((id) => readFile(join(manager.byDockerId(id)?.dirs.resources ?? '', 'tty'), 'utf8')),
    );
    expect(new Set(ttyValues).size).toBe(20);
    await manager.shutdown();
    expect([manager.size(), ports.inUse('tcp'), ports.inUse('udp')]).toEqual([0, 0, 0]);
    expect(await leftovers()).toEqual([]);
  });

  it.each([
    ['a missing image', {}, { appImage: 'fractal/no-such-image:latest' }],
    [
      'a device allocator that throws',
      {
        devices: { allocate: () => Promise.reject(new Error('UINPUT=required but /dev/uinput is missing')) },
      },
      {},
    ],
    ['a start Docker refuses (file mounted over a dir)', {}, { mountCommand: '-v /etc/hostname:/bin' }],
  ])('leaves nothing behind after %s', async (_what, deps, req) => {
    const { manager, ports, ttys } = await newManager(deps as Partial<ContainerManagerDeps>);
    await expect(manager.spinUp({ ...spinReq, ...req })).rejects.toMatchObject({ code: 'SPIN_UP_FAILED' });
    expect([manager.size(), ports.inUse('tcp'), ports.inUse('udp'), ttys.inUse()]).toEqual([0, 0, 0, 0]);
    expect(await leftovers()).toEqual([]);
    const ours = await docker.listContainers({
      all: true,
      filters: { label: [`${TEST_LABEL}=${TEST_LABEL_VALUE}`] },
    });
    expect(ours).toEqual([]);
    await manager.shutdown();
  });

  // 17.2 without restarting the shared engine: the container exits while the daemon's Docker
  // calls fail, as they do while an engine restarts; once they work again, the reconcile after the
  // event stream's resubscribe removes the exited container its cleanup could not remove.
  it('removes a container whose docker rm failed once the engine answers again', async () => {
    const flaky = new FlakyEngine(new DockerodeEngine(docker));
    const { manager, ports } = await newManager({ docker: flaky });
    const id = await manager.spinUp(spinReq);
    const entry = manager.byDockerId(id);
    flaky.failing = true;
    execFileSync('docker', ['kill', id], { stdio: 'ignore' });
    await until(() => manager.size() === 0, 30_000, 'cleanup after die');
    await until(async () => !(await exists(entry?.dirs.root ?? '')), 30_000, 'dirs removed');
    expect(ports.inUse('tcp')).toBe(0);
    expect((await docker.getContainer(id).inspect()).State.Status).toBe('exited');
    flaky.failing = false;
    flaky.breakStreams();
    await until(
      () =>
        docker
          .getContainer(id)
          .inspect()
          .then(
            () => false,
            () => true,
          ),
      30_000,
      'reconcile removed the exited container',
    );
    await manager.shutdown();
  }, 120_000);
});

/** The real engine, except that `docker rm` fails while `failing` is set; its event streams can be cut. */
class FlakyEngine implements DockerEngine {
  failing = false;
  private readonly streams: NodeJS.ReadableStream[] = [];
  constructor(private readonly inner: DockerEngine) {}
  create: DockerEngine['create'] = (b, s) => this.inner.create(b, s);
  start: DockerEngine['start'] = (i, s) => this.inner.start(i, s);
  stop: DockerEngine['stop'] = (i, g, s) => this.inner.stop(i, g, s);
  list: DockerEngine['list'] = (l, s) => this.inner.list(l, s);
  async remove(id: string, signal?: AbortSignal): Promise<void> {
    if (this.failing)
      throw new DockerError('UNAVAILABLE', `docker rm ${id}: connect ECONNREFUSED (injected)`);
    await this.inner.remove(id, signal);
  }
  async events(query: EventsQuery, signal?: AbortSignal): Promise<NodeJS.ReadableStream> {
    const stream = await this.inner.events(query, signal);
    this.streams.push(stream);
    return stream;
  }
  breakStreams(): void {
    for (const s of this.streams.splice(0))
      (s as unknown as { destroy(e: Error): void }).destroy(new Error('cut'));
  }
}

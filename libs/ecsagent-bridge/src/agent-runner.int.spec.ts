import Dockerode from 'dockerode';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../test/fake-engine';
import { waitUntil } from '../test/docker-cli';
import type { AgentExitInfo, EcsAgentRunnerOptions } from './agent-runner';
import { EcsAgentRunner } from './agent-runner';
import { DockerInterposer } from './interposer';
import { RecordingCreateHook, RecordingLogger } from './testing';
import { removeLabelled } from '../test/remove-labelled';

const IMAGE = 'fractal/test-protocol:latest';
const RUN_LABEL = `ecsagent-bridge-${process.pid}`; // per run: other runs may share the engine
const LABELS = { 'fractal.test': RUN_LABEL };
// Stands in for the agent: logs the way it does, checks its Docker socket, then idles.
const AGENT_SCRIPT = [
  `echo 'level=info time=2024-05-01T10:00:00Z msg="Amazon ECS agent starting" module=agent.go'`,
  `echo 'level=error time=2024-05-01T10:00:01Z msg="could not register" module=client.go' >&2`,
  `[ -S /var/run/docker.sock ] && echo 'level=debug msg="docker socket present"'`,
  'echo "cluster is $ECS_CLUSTER"',
  'exec sleep 300',
].join('; ');

describe('EcsAgentRunner against the real engine', () => {
  const docker = new Dockerode({ socketPath: '/var/run/docker.sock' });
  let dir: string;
  let sock: string;
  let interposer: DockerInterposer;
  const runners: EcsAgentRunner[] = [];

  beforeAll(async () => {
    dir = await makeTempDir('ecsb-runner-');
    sock = join(dir, 'run', 'ecs-docker.sock');
    interposer = new DockerInterposer({ socketPath: sock, hook: new RecordingCreateHook() });
    await interposer.start();
  });

  afterAll(async () => {
    await Promise.allSettled(runners.map((r) => r.shutdown()));
    await removeLabelled(docker, `fractal.test=${RUN_LABEL}`);
    await interposer.shutdown();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const makeRunner = (
    logger: RecordingLogger,
    exits: AgentExitInfo[],
    extra: {
      image?: string;
      name?: string;
      restart?: EcsAgentRunnerOptions['restart'];
      onGiveUp?: EcsAgentRunnerOptions['onGiveUp'];
    } = {},
  ): EcsAgentRunner => {
    const runner = new EcsAgentRunner({
      docker,
      image: extra.image ?? IMAGE,
      ecsConfig: { ECS_CLUSTER: 'fractal-test', ECS_LOGLEVEL: 'debug' },
      dockerSocketPath: sock,
      logger,
      onExit: (info) => exits.push(info),
      containerName: extra.name ?? `ecsb-agent-${process.pid}-${runners.length}`,
      hostDirs: { log: join(dir, 'log'), data: join(dir, 'data'), config: join(dir, 'etc-ecs') },
      labels: LABELS,
      cmd: ['sh', '-c', AGENT_SCRIPT],
      stopTimeoutMs: 1000,
      ...(extra.restart ? { restart: extra.restart } : {}),
      ...(extra.onGiveUp ? { onGiveUp: extra.onGiveUp } : {}),
    });
    runners.push(runner);
    return runner;
  };

  it('runs the agent container as documented, logs its lines at their levels, reports a kill once', async () => {
    const logger = new RecordingLogger();
    const exits: AgentExitInfo[] = [];
    const runner = makeRunner(logger, exits);
    const id = await runner.start();

    const info = await docker.getContainer(id).inspect();
    expect(info.Config.Env).toEqual(
      expect.arrayContaining([
        'ECS_CLUSTER=fractal-test',
        'ECS_LOGLEVEL=debug',
        'ECS_DATADIR=/data',
        'ECS_LOGFILE=/log/ecs-agent.log',
      ]),
    );
    expect(info.HostConfig.NetworkMode).toBe('host');
    expect(info.HostConfig.RestartPolicy).toMatchObject({ Name: 'no' });
    expect(info.Config.Labels).toMatchObject({ 'fractal.ecs-agent': 'true', ...LABELS });
    expect(info.HostConfig.Binds).toEqual([
      `${dir}/log:/log`,
      `${dir}/data:/data`,
      `${dir}/etc-ecs:/etc/ecs`,
      `${sock}:/var/run/docker.sock`,
    ]);

    await waitUntil(
      () => logger.records.some((r) => r.msg === 'cluster is fractal-test'),
      10_000,
      'agent output',
    );
    const agentLines = logger.records.filter((r) => r.obj['source'] === 'ecs-agent');
    // stdout and stderr are separate streams in Docker, so only each one's own order is kept.
    const byMsg = (a: unknown[], b: unknown[]): number => String(a[1]).localeCompare(String(b[1]));
    expect(agentLines.map((r) => [r.level, r.msg, r.obj['stream']]).sort(byMsg)).toEqual(
      [
        ['info', 'Amazon ECS agent starting', 'stdout'],
        ['error', 'could not register', 'stderr'],
        ['debug', 'docker socket present', 'stdout'],
        ['info', 'cluster is fractal-test', 'stdout'],
      ].sort(byMsg),
    );
    expect(agentLines.find((r) => r.msg === 'Amazon ECS agent starting')?.obj).toMatchObject({
      agentTime: '2024-05-01T10:00:00Z',
      agentFields: { module: 'agent.go' },
    });

    await docker.getContainer(id).kill();
    await waitUntil(() => exits.length > 0, 15_000, 'onExit');
    expect(exits).toEqual([{ exitCode: 137 }]);
    await runner.shutdown();
    await new Promise((r) => setTimeout(r, 300));
    expect(exits).toHaveLength(1);
    await expect(docker.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('replaces a leftover agent container, and shutdown removes it without calling onExit', async () => {
    const name = `ecsb-agent-${process.pid}-leftover`;
    const leftover = await docker.createContainer({
      name,
      Image: IMAGE,
      Labels: { ...LABELS, 'fractal.ecs-agent': 'true' },
    });
    const exits: AgentExitInfo[] = [];
    const runner = makeRunner(new RecordingLogger(), exits, { name });
    const id = await runner.start();
    expect(id).not.toBe(leftover.id);
    await expect(leftover.inspect()).rejects.toMatchObject({ statusCode: 404 });
    await runner.shutdown();
    await new Promise((r) => setTimeout(r, 500));
    expect(exits).toEqual([]);
    await expect(docker.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('with restart: a killed agent comes back with backoff, and a crash loop gives up', async () => {
    const exits: AgentExitInfo[] = [];
    const gaveUp: number[] = [];
    const logger = new RecordingLogger();
    const runner = makeRunner(logger, exits, {
      restart: { initialDelayMs: 200, maxExits: 3, windowMs: 60_000 },
      onGiveUp: (info) => void gaveUp.push(info.exits),
    });
    const first = await runner.start();
    const agentIds = [first];
    for (let i = 1; i <= 2; i += 1) {
      await docker.getContainer(agentIds[i - 1]).kill();
      const next = await waitUntilValue(async () => {
        const list = await docker.listContainers({ filters: { label: [`fractal.test=${RUN_LABEL}`] } });
        return list.find((c) => !agentIds.includes(c.Id) && c.Labels['fractal.ecs-agent'] === 'true')?.Id;
      });
      agentIds.push(next);
    }
    expect(exits.map((e) => [e.exitCode, e.restartInMs])).toEqual([
      [137, 200],
      [137, 400],
    ]);
    await docker.getContainer(agentIds[2]).kill();
    await waitUntil(() => gaveUp.length > 0, 15_000, 'onGiveUp');
    expect(gaveUp).toEqual([3]);
    expect(exits.at(-1)?.restartInMs).toBeUndefined();
    expect(logger.records.some((r) => (r.msg ?? '').includes('not restarting it again'))).toBe(true);
    await runner.shutdown();
  }, 60_000);

  it('says clearly that a missing image is never pulled', async () => {
    const runner = makeRunner(new RecordingLogger(), [], { image: 'fractal/no-such-agent:latest' });
    await expect(runner.start()).rejects.toMatchObject({
      code: 'AGENT_IMAGE_MISSING',
      message: expect.stringMatching(/fractal\/no-such-agent:latest is not on this host and is never pulled/),
    });
  });
});

async function waitUntilValue<T>(probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

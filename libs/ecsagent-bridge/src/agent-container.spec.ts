import { AGENT_LABEL, agentCreateOptions } from './agent-container';
import { EcsAgentRunner } from './agent-runner';

describe('agentCreateOptions', () => {
  it('runs the agent as documented, with the interposer as its Docker socket', () => {
    const options = agentCreateOptions({
      image: 'amazon/amazon-ecs-agent:latest',
      name: 'ecs-agent',
      ecsConfig: { ECS_CLUSTER: 'c1', ECS_DATADIR: '/custom' },
      dockerSocketPath: '/var/run/fractal/ecs-docker.sock',
      hostDirs: { log: '/tmp/log' },
      labels: { 'fractal.test': 'x' },
      cmd: undefined,
    });
    expect(options).toEqual({
      name: 'ecs-agent',
      Image: 'amazon/amazon-ecs-agent:latest',
      Env: ['ECS_LOGFILE=/log/ecs-agent.log', 'ECS_DATADIR=/custom', 'ECS_CLUSTER=c1'],
      Labels: { 'fractal.test': 'x', [AGENT_LABEL]: 'true' },
      HostConfig: {
        NetworkMode: 'host',
        RestartPolicy: { Name: 'no' },
        Binds: [
          '/tmp/log:/log',
          '/var/lib/ecs/data:/data',
          '/etc/ecs:/etc/ecs',
          '/var/run/fractal/ecs-docker.sock:/var/run/docker.sock',
        ],
      },
    });
  });
});

describe('EcsAgentRunner options', () => {
  const base = {
    docker: {} as never,
    ecsConfig: {},
    dockerSocketPath: '/x.sock',
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    onExit: () => undefined,
  };

  it('fails fast on bad options', () => {
    expect(() => new EcsAgentRunner({ ...base, docker: undefined as never })).toThrow(/dockerode/);
    expect(() => new EcsAgentRunner({ ...base, dockerSocketPath: '' })).toThrow(/dockerSocketPath/);
    expect(() => new EcsAgentRunner({ ...base, onExit: undefined as never })).toThrow(/onExit/);
    expect(() => new EcsAgentRunner({ ...base, stopTimeoutMs: Number.NaN })).toThrow(/stopTimeoutMs/);
  });

  it('refuses to start without the interposer socket', async () => {
    const runner = new EcsAgentRunner({ ...base, dockerSocketPath: '/nonexistent/ecs-docker.sock' });
    await expect(runner.start()).rejects.toMatchObject({
      code: 'AGENT_START_FAILED',
      message: expect.stringMatching(/start the DockerInterposer first/),
    });
    await runner.shutdown();
    await expect(runner.start()).rejects.toMatchObject({ code: 'SHUT_DOWN' });
  });
});

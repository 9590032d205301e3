import type Dockerode from 'dockerode';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryLogger } from '@fractal/logger/testing';
import { startEcsBridge } from './ecs-bridge';

describe('startEcsBridge', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ecs-bridge-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const deps = (configFile: string) => {
    const deferred: string[] = [];
    return {
      deferred,
      deps: {
        configFile,
        socketPath: join(dir, 'docker.sock'),
        agentImage: 'amazon/amazon-ecs-agent:latest',
        docker: {} as Dockerode,
        hook: { beforeCreate: async () => Promise.reject(new Error('unused')) },
        logger: createMemoryLogger().logger,
        onAgentGaveUp: () => undefined,
        defer: (name: string) => void deferred.push(name),
      },
    };
  };

  it('refuses a missing ECS config file before starting anything', async () => {
    const { deps: d, deferred } = deps(join(dir, 'missing.config'));
    await expect(startEcsBridge(d)).rejects.toMatchObject({
      code: 'ECS_CONFIG_INVALID',
      message: expect.stringContaining(`cannot read ECS_CONFIG_FILE ${join(dir, 'missing.config')}`),
    });
    expect(deferred).toEqual([]);
  });

  it('refuses an ECS config file that does not parse, naming it', async () => {
    const file = join(dir, 'ecs.config');
    await writeFile(file, 'this is not KEY=value\n');
    const { deps: d, deferred } = deps(file);
    await expect(startEcsBridge(d)).rejects.toMatchObject({
      code: 'ECS_CONFIG_INVALID',
      message: expect.stringContaining(`ECS_CONFIG_FILE ${file}: `),
    });
    expect(deferred).toEqual([]);
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FractalLogger } from '@fractal/logger';
import { PortAllocator, createBindingProbe } from '@fractal/portbindings';
import { LocalDirConfigStore } from '@fractal/userconfigs';
import type { ConfigStore } from '@fractal/userconfigs';
import { S3ConfigStore } from '@fractal/userconfigs/s3';
import type { HostServiceConfig } from '../config/host-service-config';
import { ECS_AGENT_PORT } from '../config/host-service-config';
import { DockerodeEngine } from '../containers';
import type { DaemonStep } from '../lifecycle/step';
import { ImdsClient } from '../metadata/imds-client';
import { awsSdkLogging } from '../ops/aws-sdk-logging';
import { containerSummaries } from '../ops/container-view';
import { countPendingUploads } from '../ops/observed-configs';
import { createContainerCore } from '../startup/container-core';
import { pendingUploadsDir } from '../startup/own-dirs';
import { retryPendingUploads } from '../startup/pending-uploads';
import { CONTAINERS_STOP_MS } from './container-budget';
import type { DaemonContext } from './daemon-state';
import { started } from './daemon-state';

/** The range PortAllocator hands out by default; reserving outside it is meaningless. */
const PORT_POOL = { min: 1025, max: 49150 };

/** The container manager with the ops listener that watches it, and the pending-upload retries. */
export function servingSteps(ctx: DaemonContext): DaemonStep[] {
  const { config, state, logger } = ctx;
  const { ops } = state;
  const docker = (): NonNullable<typeof state.docker> => started(state.docker, 'the Docker client');
  const core = (): NonNullable<typeof state.core> => started(state.core, 'the container manager');
  const ports = new PortAllocator({
    reserved: [config.port, ECS_AGENT_PORT]
      .filter((port) => port >= PORT_POOL.min && port <= PORT_POOL.max)
      .map((port) => ({ port, protocol: 'tcp' as const })),
    probe: createBindingProbe(),
  });
  return [
    {
      name: 'build the container manager',
      timeoutMs: 0,
      // Not in buildDaemon: the manager needs what Docker said of its runtimes (hasNvidiaRuntime).
      start: () => {
        state.core = createContainerCore({
          config,
          docker: new DockerodeEngine(docker()),
          ports,
          store: configStore(config, logger),
          logger,
          observer: ops.metrics, // ops hook: restores, backups, bytes and event-stream reconnects
          hasNvidiaRuntime: state.hasNvidiaRuntime,
          ...(state.crashPoint ? { crashPoint: state.crashPoint } : {}),
        });
      },
    },
    {
      // ops hook: listens before the containers' step so /healthz answers through the shutdown.
      // Its undos: the listener (5 s), the container-died log (1 s), the drain poller (5 s).
      name: 'ops listener',
      timeoutMs: 11_000,
      start: (defer) => {
        const { manager, ttys } = core();
        return ops.listen({
          config: started(state.opsConfig, 'the ops settings'),
          containers: containerSummaries(() => manager.list()),
          resources: {
            hostPortsInUse: (protocol) => ports.inUse(protocol),
            ttysInUse: () => ttys.inUse(),
            pendingConfigUploads: () => countPendingUploads(pendingUploadsDir(config.fractalPrivateDir)),
          },
          metadata: {
            version: ctx.build.version,
            commit: ctx.build.commit,
            appEnv: config.appEnv,
            instanceId: started(state.facts, 'the instance facts').instanceId,
          },
          health: {
            pingDocker: () => docker().ping(),
            eventStreamDownSince: () => manager.eventStreamDownSince(),
            shuttingDown: ctx.shuttingDown,
          },
          ...(config.appEnv === 'localdev' ? {} : { readImds: imdsReader(config) }),
          docker: docker(),
          // Tracked, or its dir still there (removed last in cleanup); other daemons' live elsewhere.
          ownsContainer: (id) =>
            manager.byFractalId(id) !== undefined ||
            (/^[0-9a-f]+$/.test(id) && existsSync(join(config.fractalDir, id))),
          defer,
        });
      },
    },
    {
      name: 'stop and clean up our containers',
      timeoutMs: CONTAINERS_STOP_MS,
      start: async () => void (await core().manager.start()),
      stop: () => state.core?.manager.shutdown(),
      onDetach: () => state.core?.manager.detach(), // they keep running; the next start adopts them
    },
    {
      name: 'stop retrying pending config uploads',
      timeoutMs: 1_000,
      start: () => {
        state.retries = retryPendingUploads(core().configs, logger.child({ component: 'userconfigs' }));
      },
      stop: () => state.retries?.stop(),
    },
  ];
}

function imdsReader(config: HostServiceConfig): (path: string) => Promise<string | null> {
  const imds = new ImdsClient({ endpoint: config.imdsEndpoint });
  return (path) => imds.read(path);
}

function configStore(config: HostServiceConfig, logger: FractalLogger): ConfigStore {
  const uc = config.userConfigs;
  if (uc.kind === 'local') return new LocalDirConfigStore(uc.dir);
  // Region, credentials and AWS_ENDPOINT_URL(_S3) come from the environment the standard SDK way.
  // ops hook: the SDK's own warnings go to our JSON log, not to stderr.
  return new S3ConfigStore({ bucket: uc.bucket, env: process.env, clientConfig: awsSdkLogging(logger) });
}

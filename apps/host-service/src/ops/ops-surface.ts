import type Dockerode from 'dockerode';
import type { Logger } from '@fractal/logger';
import { DieLog } from './die-log';
import { buildOpenApiDocument } from '../api/openapi';
import { DrainState } from './drain-state';
import { gateEcsCreates } from './ecs-create-gate';
import type { ContainerCreateHook } from '@fractal/ecsagent-bridge';
import { checkHealth } from './health';
import type { HealthDeps } from './health';
import { ImdsDrainPoller } from './imds-drain-poller';
import type { OpsConfig } from './ops-config';
import { isLoopback } from './ops-config';
import { OpsMetrics } from './ops-metrics';
import type { OpsMetricsSources } from './ops-metrics';
import { createOpsRoutes } from './ops-routes';
import type { HostMetadata } from './ops-routes';
import { listenOps } from './ops-server';

export interface OpsListenOptions extends OpsMetricsSources {
  readonly config: OpsConfig;
  readonly metadata: HostMetadata;
  readonly health: Omit<HealthDeps, 'now'>;
  /** Reads one instance-metadata item (null on 404); set outside localdev to watch for drain notices. */
  readonly readImds?: (path: string) => Promise<string | null>;
  /** The engine, for the `container died` lines (exit code, OOM-killed). */
  readonly docker: Dockerode;
  /** Whether a container (by FractalID) is this daemon's, for those lines. */
  readonly ownsContainer: (fractalId: string) => boolean;
  /** Registers an undo step (Lifecycle.defer). */
  readonly defer: (name: string, timeoutMs: number, run: () => Promise<void>) => void;
}

/**
 * The operator's side of the daemon: drain switch, metrics, the ECS create gate and the ops
 * listener. Built first (the rest of start-up reports into `metrics`), listening once the
 * container manager exists.
 */
export class OpsSurface {
  readonly drain: DrainState;
  readonly metrics: OpsMetrics;
  private readonly log: Logger;

  constructor(
    private readonly logger: Logger,
    private readonly startedAt: number = Date.now(),
  ) {
    this.log = logger.child({ component: 'ops' });
    this.drain = new DrainState(this.log);
    this.metrics = new OpsMetrics(() => this.drain.draining);
  }

  /** The ECS create hook, refusing creates while the host drains and timing the others. */
  gateEcs(hook: ContainerCreateHook): ContainerCreateHook {
    return gateEcsCreates(hook, {
      refuseCreates: () => (this.drain.draining ? 'host is draining' : undefined),
      spinUpObserved: (s) => this.metrics.spinUpObserved(s),
    });
  }

  async listen(options: OpsListenOptions): Promise<void> {
    const { config } = options;
    this.metrics.attach(options);
    if (!isLoopback(config.host)) {
      this.log.warn(
        { host: config.host },
        `OPS_HOST ${config.host} is not a loopback address: /metrics, /v1/containers and POST /v1/drain are reachable without auth from wherever that address is`,
      );
    }
    const app = createOpsRoutes({
      containers: options.containers,
      drain: this.drain,
      metadata: options.metadata,
      health: () => checkHealth(options.health),
      scrape: () => this.metrics.scrape(),
      openApi: () => buildOpenApiDocument(options.metadata.version),
      startedAt: this.startedAt,
    });
    const server = await listenOps({ fetch: app.fetch, host: config.host, port: config.port });
    options.defer('stop the ops listener', 5_000, () => server.close(2_000));
    this.log.info(
      { host: config.host, port: server.port },
      `ops listener on http://${config.host}:${server.port}`,
    );
    const dies = new DieLog(
      options.docker,
      this.logger.child({ component: 'containers' }),
      options.ownsContainer,
    );
    options.defer('stop the container-died log', 1_000, async () => dies.stop());
    await dies.start();
    if (options.readImds !== undefined) {
      const poller = new ImdsDrainPoller({
        read: options.readImds,
        drain: this.drain,
        logger: this.log,
        intervalMs: config.drainPollMs,
      });
      options.defer('stop watching for drain notices', 5_000, () => poller.shutdown());
      poller.start();
    }
  }
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BackupOutcome, ContainerView, OpsObserver, ResourceView, RestoreOutcome } from './ops-types';

/** What the gauges read at scrape time; attached once the container manager exists. */
export interface OpsMetricsSources {
  readonly containers: ContainerView;
  readonly resources: ResourceView;
}

/** Phases always exported (as 0 when empty), so a dashboard's series never vanish. */
/** The container record's phases a tracked container can be in ('gone' ones leave the registry). */
const KNOWN_PHASES = ['reserved', 'created', 'running', 'ready', 'cleaning'] as const;
const PROMTOOL_REJECTED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];
const SESSION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const CONFIG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * The daemon's Prometheus registry: one per daemon (never prom-client's global one, so tests can
 * run several side by side). Gauges are read from their sources at scrape time.
 */
export class OpsMetrics implements OpsObserver {
  readonly registry = new Registry();
  private readonly spinUp: Histogram;
  private readonly restore: Histogram<'outcome'>;
  private readonly backup: Histogram<'outcome'>;
  private readonly bytes: Counter<'direction'>;
  private readonly requests: Counter<'route' | 'status'>;
  private readonly heartbeats: Counter<'result'>;
  private readonly reconnects: Counter;
  private readonly agentRestarts: Counter;
  private sources: OpsMetricsSources | undefined;

  constructor(draining: () => boolean) {
    const registers = [this.registry];
    const src = (): OpsMetricsSources | undefined => this.sources;
    collectDefaultMetrics({ register: this.registry });
    // prom-client exports these three totals as gauges named `_total`, which promtool rejects
    // (only counters end in _total); the per-type `nodejs_active_*{type}` gauges sum to them.
    for (const name of PROMTOOL_REJECTED_DEFAULTS) this.registry.removeSingleMetric(name);
    new Gauge({
      name: 'fractal_containers',
      help: 'Containers this host service tracks, by phase.',
      labelNames: ['phase'],
      registers,
      collect() {
        const counts = new Map<string, number>(KNOWN_PHASES.map((p) => [p, 0]));
        for (const c of src()?.containers.list() ?? []) counts.set(c.phase, (counts.get(c.phase) ?? 0) + 1);
        this.reset();
        for (const [phase, n] of counts) this.set({ phase }, n);
      },
    });
    this.spinUp = new Histogram({
      name: 'fractal_spin_up_seconds',
      help: 'Time to create and start a container for spin_up_container, or to create one for the ECS agent.',
      buckets: SESSION_BUCKETS,
      registers,
    });
    this.restore = new Histogram({
      name: 'fractal_config_restore_seconds',
      help: "Time to fetch, decrypt and unpack a user's config archive, by outcome.",
      labelNames: ['outcome'],
      buckets: CONFIG_BUCKETS,
      registers,
    });
    this.backup = new Histogram({
      name: 'fractal_config_backup_seconds',
      help: "Time to pack, encrypt and upload a user's config archive, by outcome.",
      labelNames: ['outcome'],
      buckets: CONFIG_BUCKETS,
      registers,
    });
    this.bytes = new Counter({
      name: 'fractal_config_bytes_total',
      help: 'Encrypted config archive bytes moved to or from the config store.',
      labelNames: ['direction'],
      registers,
    });
    new Gauge({
      name: 'fractal_pending_config_uploads',
      help: 'Config archives saved on local disk and not yet confirmed by the store.',
      registers,
      async collect() {
        this.set((await src()?.resources.pendingConfigUploads()) ?? 0);
      },
    });
    this.requests = new Counter({
      name: 'fractal_api_requests_total',
      help: 'HTTPS API requests answered, by route and status.',
      labelNames: ['route', 'status'],
      registers,
    });
    new Gauge({
      name: 'fractal_host_ports_in_use',
      help: 'Host ports held by containers, by protocol.',
      labelNames: ['protocol'],
      registers,
      collect() {
        for (const protocol of ['tcp', 'udp'] as const)
          this.set({ protocol }, src()?.resources.hostPortsInUse(protocol) ?? 0);
      },
    });
    new Gauge({
      name: 'fractal_ttys_in_use',
      help: 'Virtual terminal numbers held by containers.',
      registers,
      collect() {
        this.set(src()?.resources.ttysInUse() ?? 0);
      },
    });
    this.reconnects = new Counter({
      name: 'fractal_docker_event_stream_reconnects_total',
      help: 'Times the Docker event stream was opened again after it broke.',
      registers,
    });
    this.heartbeats = new Counter({
      name: 'fractal_heartbeats_total',
      help: 'Heartbeats sent to the webserver, by result.',
      labelNames: ['result'],
      registers,
    });
    this.agentRestarts = new Counter({
      name: 'fractal_ecs_agent_restarts_total',
      help: 'Times the ECS agent was restarted after it exited.',
      registers,
    });
    new Gauge({
      name: 'fractal_draining',
      help: '1 while the host refuses new sessions (drain), else 0.',
      registers,
      collect() {
        this.set(draining() ? 1 : 0);
      },
    });
    // Series that exist from the first scrape, so rate() and absent() behave.
    for (const outcome of ['restored', 'first-session', 'failed']) this.restore.zero({ outcome });
    for (const outcome of ['uploaded', 'pending', 'failed']) this.backup.zero({ outcome });
    for (const direction of ['download', 'upload']) this.bytes.inc({ direction }, 0);
    for (const result of ['ok', 'failed']) this.heartbeats.inc({ result }, 0);
  }

  attach(sources: OpsMetricsSources): void {
    this.sources = sources;
  }

  spinUpObserved(seconds: number): void {
    this.spinUp.observe(seconds);
  }
  restoreObserved(outcome: RestoreOutcome, seconds: number): void {
    this.restore.observe({ outcome }, seconds);
  }
  backupObserved(outcome: BackupOutcome, seconds: number): void {
    this.backup.observe({ outcome }, seconds);
  }
  configBytes(direction: 'download' | 'upload', bytes: number): void {
    this.bytes.inc({ direction }, bytes);
  }
  apiRequest(route: string, status: number): void {
    this.requests.inc({ route, status: String(status) });
  }
  heartbeat(result: 'ok' | 'failed'): void {
    this.heartbeats.inc({ result });
  }
  eventStreamReconnected(): void {
    this.reconnects.inc();
  }
  agentRestarted(): void {
    this.agentRestarts.inc();
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

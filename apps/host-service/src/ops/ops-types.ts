/** Where a container came from: our own API (`spin_up_container`) or the ECS agent's create. */
export type ContainerSource = 'api' | 'ecs';

/** What the ops listener shows of one container (`GET /v1/containers`). */
export interface ContainerSummary {
  readonly fractalId: string;
  readonly dockerId: string | null;
  readonly appName: string;
  readonly userId: string | null;
  /** `{"32262/tcp": 1025, ...}`: container port/protocol to host port. */
  readonly hostPorts: Readonly<Record<string, number>>;
  readonly tty: number | null;
  readonly phase: string;
  readonly ready: boolean;
  readonly source: ContainerSource;
  /** ISO 8601. */
  readonly createdAt: string;
}

/** Read at request and scrape time; never cached, so it always shows the registry as it is. */
export interface ContainerView {
  list(): ContainerSummary[];
  get(fractalId: string): ContainerSummary | undefined;
}

/** Host resources, read at scrape time. */
export interface ResourceView {
  hostPortsInUse(protocol: 'tcp' | 'udp'): number;
  ttysInUse(): number;
  pendingConfigUploads(): Promise<number>;
}

export type RestoreOutcome = 'restored' | 'first-session' | 'failed';
export type BackupOutcome = 'uploaded' | 'pending' | 'failed';

/**
 * What the rest of the daemon tells the ops surface as it happens. Each method is cheap and never
 * throws; the metrics registry implements it.
 */
export interface OpsObserver {
  spinUpObserved(seconds: number): void;
  restoreObserved(outcome: RestoreOutcome, seconds: number): void;
  backupObserved(outcome: BackupOutcome, seconds: number): void;
  configBytes(direction: 'download' | 'upload', bytes: number): void;
  apiRequest(route: string, status: number): void;
  heartbeat(result: 'ok' | 'failed'): void;
  eventStreamReconnected(): void;
  agentRestarted(): void;
}

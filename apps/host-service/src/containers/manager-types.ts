import { availableParallelism } from 'node:os';
import type { DesiredBinding, PortAllocator, PortBinding } from '@fractal/portbindings';
import type { TtyAllocator } from '@fractal/ttys';
import type { DeviceSet } from '@fractal/uinput';
import type { UserConfigSync } from '@fractal/userconfigs';
import type { Logger } from '@fractal/logger';
import type { CreateBody, DockerEngine } from './docker';
import type { ContainerDirs, ContainerSource } from './model';
import type { OnPhase } from './phase-timer';
import type { ContainerResource } from './resources';

/** Places where a test build may be SIGKILLed (HOST_SERVICE_CRASH_AT) to prove recovery. */
export type CrashPoint = 'after-create' | 'after-ready' | 'cleanup-started' | 'backup-started';

export type CaptureError = (err: unknown, context?: Record<string, unknown>) => void;

export interface ContainerManagerDeps {
  docker: DockerEngine;
  ports: PortAllocator;
  ttys: TtyAllocator;
  /** null = run without input devices; throwing = spin-up error */
  devices: { allocate(): Promise<DeviceSet | null> };
  sendFds: (socketPath: string, fds: readonly number[], opts: { signal: AbortSignal }) => Promise<void>;
  configs: Pick<UserConfigSync, 'restore' | 'backup'>;
  /** A logger with `captureError` (Sentry): every container error is reported through it. */
  logger: Logger & { captureError: CaptureError };
  fractalDir: string;
  /** Root-only dir (under FRACTAL_PRIVATE_DIR) of the per-container checkpoints. */
  stateDir: string;
  containerUid: number;
  hasNvidiaRuntime: boolean;
  now?: () => number;
  timeouts?: Partial<ManagerTimeouts>;
  /** Labels added to every container we create (tests mark theirs for cleanup). */
  extraLabels?: Record<string, string>;
  /** Called on every resubscription of the Docker event stream after the first (metrics). */
  onEventStreamReconnected?: () => void;
  /** Events stream backoff; tests shorten it. */
  eventsBackoffMs?: { min: number; max: number };
  /** Replaces the standard resource list (tests). */
  resources?: ContainerResource[];
  /**
   * How many spin-ups create and start their container at once; the others wait their turn
   * (first come first served). Default DEFAULT_SPIN_UP_SLOTS.
   */
  spinUpSlots?: number;
  /** Called with each phase's duration once a spin-up succeeded (the spin-up bench). */
  onPhase?: OnPhase;
  /** Test builds only: called at each CrashPoint. */
  crashPoint?: (point: CrashPoint) => void;
}

/**
 * Ten concurrent create+starts on a 2-core host's dockerd all finished near the end (median
 * 2.4-3.3 s); two at a time cut the median by 10-15 % with the last no later (apps/host-service/bench).
 * dockerd's create and start work scales with cores, so a GPU host gets one slot per core: the limit
 * only queues bursts larger than the machine can run at once.
 */
export const DEFAULT_SPIN_UP_SLOTS = Math.max(2, availableParallelism());

export interface ManagerTimeouts {
  dockerMs: number;
  stopSeconds: number;
  restoreMs: number;
  backupMs: number;
  /** How often settings that could not be saved are tried again. */
  settingsRetryMs: number;
}

export const DEFAULT_TIMEOUTS: ManagerTimeouts = {
  dockerMs: 30_000,
  stopSeconds: 5,
  restoreMs: 120_000,
  backupMs: 120_000,
  settingsRetryMs: 60_000,
};

export interface SpinUpRequest {
  appName: string;
  appImage: string;
  mountCommand: string;
  protocolTimeout: number;
}

export interface ReserveRequest {
  appName: string;
  desired: readonly DesiredBinding[];
  timeoutSeconds?: number;
  source?: ContainerSource;
}

/** What `reserve` took for a container that is about to be created (by us or by the ECS agent). */
export interface ContainerReservation {
  readonly fractalId: string;
  readonly dirs: ContainerDirs;
  readonly ports: readonly PortBinding[];
  readonly tty: number;
  readonly devices: DeviceSet | null;
  /** Puts this reservation's resources and our labels into a create body (a copy). */
  readonly applyTo: (body: CreateBody) => CreateBody;
}

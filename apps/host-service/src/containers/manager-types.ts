import type Dockerode from 'dockerode';
import type { PortAllocator, PortBinding } from '@fractal/portbindings';
import type { TtyAllocator } from '@fractal/ttys';
import type { DeviceSet } from '@fractal/uinput';
import type { UserConfigSync } from '@fractal/userconfigs';
import type { Logger } from '@fractal/logger';
import type { ContainerDirs } from './registry';

export interface ContainerManagerDeps {
  docker: Dockerode;
  ports: PortAllocator;
  ttys: TtyAllocator;
  /** null = run without input devices; throwing = spin-up error */
  devices: { allocate(): Promise<DeviceSet | null> };
  sendFds: (socketPath: string, fds: readonly number[], opts: { signal: AbortSignal }) => Promise<void>;
  configs: UserConfigSync;
  logger: Logger;
  fractalDir: string;
  containerUid: number;
  hasNvidiaRuntime: boolean;
  now?: () => number;
  /** Reports an error to Sentry; defaults to `logger.captureError` when the logger has one. */
  captureError?: (err: unknown, context?: Record<string, unknown>) => void;
  timeouts?: Partial<ManagerTimeouts>;
  /** Labels added to every container we create (tests mark theirs for cleanup). */
  extraLabels?: Record<string, string>;
  /** Events stream backoff; tests shorten it. */
  eventsBackoffMs?: { min: number; max: number };
}

export interface ManagerTimeouts {
  dockerMs: number;
  stopSeconds: number;
  restoreMs: number;
  backupMs: number;
}

export const DEFAULT_TIMEOUTS: ManagerTimeouts = {
  dockerMs: 30_000,
  stopSeconds: 5,
  restoreMs: 120_000,
  backupMs: 120_000,
};

export interface SpinUpRequest {
  appName: string;
  appImage: string;
  mountCommand: string;
  protocolTimeout: number;
}

/** What `reserve` took for a container that is about to be created (by us or by the ECS agent). */
export interface ContainerReservation {
  readonly fractalId: string;
  readonly dirs: ContainerDirs;
  readonly ports: readonly PortBinding[];
  readonly tty: number;
  readonly devices: DeviceSet | null;
}

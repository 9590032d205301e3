import type Dockerode from 'dockerode';
import type { FractalLogger } from '@fractal/logger';
import type { BuildInfo } from '../config/build-info';
import type { HostServiceConfig } from '../config/host-service-config';
import type { CrashPoint } from '../containers';
import type { HeartbeatService } from '../heartbeat/heartbeat-service';
import type { InstanceFacts } from '../metadata/instance-facts';
import type { OpsConfig } from '../ops/ops-config';
import type { OpsSurface } from '../ops/ops-surface';
import type { createContainerCore } from '../startup/container-core';
import type { DaemonLock } from '../startup/daemon-lock';
import type { RunningHttpsServer } from '../startup/https-server';
import type { TlsMaterial } from '../startup/tls';

/** What the composition root takes besides the config (main.ts passes the process's). */
export interface DaemonDeps {
  readonly build: BuildInfo;
  readonly logger: FractalLogger;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly uid: number;
  /** Whether the lifecycle's shutdown began (/healthz answers 503 meanwhile). */
  readonly shuttingDown: () => boolean;
}

export interface DaemonContext extends DaemonDeps {
  readonly config: HostServiceConfig;
  readonly state: DaemonState;
}

/**
 * The daemon's parts. Built by buildDaemon when the config alone says how (`ops`); the others are
 * set by the step that learns what they need (a lock file, Docker's runtimes, the instance facts, the
 * webserver's token), so each is undefined until its step started; a step's stop checks for that.
 */
export interface DaemonState {
  readonly ops: OpsSurface;
  lock?: DaemonLock;
  /** An earlier run of ours left FRACTAL_DIR (crash, upgrade): recover it instead of refusing. */
  recovering: boolean;
  crashPoint?: (point: CrashPoint) => void;
  opsConfig?: OpsConfig;
  undoMount?: () => Promise<void>;
  tls?: TlsMaterial;
  docker?: Dockerode;
  hasNvidiaRuntime: boolean;
  facts?: InstanceFacts;
  heartbeat?: HeartbeatService;
  core?: ReturnType<typeof createContainerCore>;
  retries?: { stop(): void };
  server?: RunningHttpsServer;
}

/** A part a step needs from one started earlier; missing means the step list is out of order. */
export function started<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is used before its step started`);
  return value;
}

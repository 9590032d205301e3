import type { HeldResources } from './container-resources';

export type ContainerPhase = 'starting' | 'running' | 'cleaning';

export interface StartValues {
  dpi: number;
  userId: string;
  clientAppAuthSecret: string;
  containerARN: string;
}

export interface ConfigToken {
  userId: string;
  configEncryptionToken: string;
  clientAppAuthSecret: string;
}

export interface ContainerDirs {
  /** `<fractalDir>/<id>`: everything of this container that outlives nothing. */
  root: string;
  resources: string;
  userConfigs: string;
  unpackedConfigs: string;
  /** `<fractalDir>/temp/<id>` */
  temp: string;
  sockets: string;
}

/** One container we manage. Mutated only by ContainerManager. */
export interface TrackedContainer {
  readonly fractalId: string;
  appName: string;
  readonly dirs: ContainerDirs;
  phase: ContainerPhase;
  /** ms since the epoch, when the reservation began (shown by the ops listener). */
  readonly createdAt?: number;
  dockerId?: string;
  hostPort?: number;
  /** Host ports, TTY, devices and dirs this container holds. */
  readonly held: HeldResources;
  readonly fdSending: AbortController;
  /** Set once the start values' files are written; `startValuesClaimed` from the request on. */
  startValues?: StartValues;
  startValuesClaimed?: boolean;
  token?: ConfigToken;
  /** The token that survived the secret check: only then is the config backed up at cleanup. */
  acceptedToken?: ConfigToken;
  /** Restore + `.ready` in flight; cleanup waits for it so it never backs up a half-restored dir. */
  readying?: Promise<void>;
  cleanup?: Promise<void>;
}

/**
 * Live containers with O(1) lookup by FractalID, Docker id and identifying host port. All
 * updates are synchronous, so the indexes agree with each other between any two awaits.
 */
export class ContainerRegistry {
  private readonly byFractal = new Map<string, TrackedContainer>();
  private readonly byDocker = new Map<string, TrackedContainer>();
  private readonly byPort = new Map<number, TrackedContainer>();

  add(entry: TrackedContainer): void {
    if (this.byFractal.has(entry.fractalId)) {
      throw new Error(`container ${entry.fractalId} is already registered`);
    }
    this.byFractal.set(entry.fractalId, entry);
    if (entry.dockerId !== undefined) this.setDockerId(entry, entry.dockerId);
    if (entry.hostPort !== undefined) this.setHostPort(entry, entry.hostPort);
  }

  setDockerId(entry: TrackedContainer, dockerId: string): void {
    this.assertOwned(entry);
    if (entry.dockerId !== undefined && entry.dockerId !== dockerId) this.byDocker.delete(entry.dockerId);
    entry.dockerId = dockerId;
    this.byDocker.set(dockerId, entry);
  }

  setHostPort(entry: TrackedContainer, hostPort: number): void {
    this.assertOwned(entry);
    const other = this.byPort.get(hostPort);
    if (other !== undefined && other !== entry) {
      throw new Error(`host port ${hostPort} already identifies container ${other.fractalId}`);
    }
    if (entry.hostPort !== undefined && entry.hostPort !== hostPort) this.byPort.delete(entry.hostPort);
    entry.hostPort = hostPort;
    this.byPort.set(hostPort, entry);
  }

  remove(entry: TrackedContainer): void {
    if (this.byFractal.get(entry.fractalId) !== entry) return;
    this.byFractal.delete(entry.fractalId);
    if (entry.dockerId !== undefined && this.byDocker.get(entry.dockerId) === entry) {
      this.byDocker.delete(entry.dockerId);
    }
    if (entry.hostPort !== undefined && this.byPort.get(entry.hostPort) === entry) {
      this.byPort.delete(entry.hostPort);
    }
  }

  byFractalId(id: string): TrackedContainer | undefined {
    return this.byFractal.get(id);
  }

  byDockerId(id: string): TrackedContainer | undefined {
    return this.byDocker.get(id);
  }

  byHostPort(port: number): TrackedContainer | undefined {
    return this.byPort.get(port);
  }

  all(): TrackedContainer[] {
    return [...this.byFractal.values()];
  }

  get size(): number {
    return this.byFractal.size;
  }

  private assertOwned(entry: TrackedContainer): void {
    if (this.byFractal.get(entry.fractalId) !== entry) {
      throw new Error(`container ${entry.fractalId} is not registered`);
    }
  }
}

/** A function, not an inline compare: the phase changes across awaits, which narrowing ignores. */
export function isCleaning(entry: TrackedContainer): boolean {
  return entry.phase === 'cleaning';
}

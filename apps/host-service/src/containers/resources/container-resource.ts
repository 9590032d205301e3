import type { DesiredBinding, PortBinding } from '@fractal/portbindings';
import type { DeviceSet } from '@fractal/uinput';
import type { CreateBody } from '../docker';
import type { ContainerDirs, PersistedContainer } from '../model';

/** What the resources of one container took, filled in as each is acquired (or adopted). */
export interface Taken {
  readonly fractalId: string;
  readonly dirs: ContainerDirs;
  ports: PortBinding[];
  hostPort?: number;
  tty?: number;
  devices: DeviceSet | null;
  /** The device fds go to the first client of the socket; cleanup aborts that. */
  readonly fdSending: AbortSignal;
}

export interface AcquireRequest {
  readonly desired: readonly DesiredBinding[];
  readonly timeoutSeconds?: number;
}

export interface ReleaseOptions {
  /** The user's config could not be saved anywhere: its dir stays for the next try. */
  readonly keepUserConfigs: boolean;
}

/**
 * One kind of per-container resource (host ports, TTY, input devices, dirs, resource files).
 * Spin-up and the ECS create hook run the same list: acquire in order (groups of `joinsPrevious`
 * resources concurrently), contribute to the create
 * body, release in reverse order; recovery adopts from the checkpoint instead of acquiring.
 */
export interface ContainerResource {
  readonly name: string;
  /**
   * Acquired concurrently with the resource before it in the list: it needs nothing that one (or
   * any other resource of the same group) takes. Spin-up latency is the longest of a group.
   */
  readonly joinsPrevious?: boolean;
  acquire(taken: Taken, req: AcquireRequest): Promise<void>;
  /** Never throws for a part already released; safe to call for a partly acquired container. */
  release(taken: Taken, opts: ReleaseOptions): Promise<void> | void;
  contribute(body: CreateBody, taken: Taken): void;
  /** Takes back what a container that survived a daemon restart holds. */
  adopt(taken: Taken, state: PersistedContainer): void;
}

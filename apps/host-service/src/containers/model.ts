import type { PortBinding } from '@fractal/portbindings';

/**
 * reserved → created → running → ready → cleaning → gone. Start values and token arrive while
 * running (flags, not phases: either order); `ready` follows once both have.
 */
export type ContainerPhase = 'reserved' | 'created' | 'running' | 'ready' | 'cleaning' | 'gone';

/** Who asked for the container: our own spin-up API, or the ECS agent through the bridge. */
export type ContainerSource = 'api' | 'ecs';

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
  /** `<fractalDir>/<id>`: resource files and the user's config. */
  root: string;
  resources: string;
  userConfigs: string;
  unpackedConfigs: string;
  /** `<fractalDir>/temp/<id>` */
  temp: string;
  sockets: string;
}

/** What a container holds on the host, as recorded (the live device fds are not persistable). */
export interface HeldResources {
  ports: PortBinding[];
  tty?: number;
  /** Whether uinput devices were handed to it; after a restart the protocol still holds the fds. */
  devices: boolean;
}

/** The checkpoint of one container: everything recovery needs, nothing it can rebuild. */
export interface PersistedContainer {
  version: 1;
  fractalId: string;
  appName: string;
  source: ContainerSource;
  createdAt: number;
  phase: ContainerPhase;
  dockerId?: string;
  hostPort?: number;
  held: HeldResources;
  startValues?: StartValues;
  /** The token that matched the start values: without it no backup can be made after a crash. */
  acceptedToken?: ConfigToken;
  /** Set when cleanup begins on a ready container with an accepted token; cleared once saved. */
  saveConfig?: boolean;
}

/** The read-only view of a container for the API, ops listener and tests. */
export interface ContainerView {
  readonly fractalId: string;
  readonly dockerId?: string;
  readonly appName: string;
  readonly hostPort?: number;
  readonly hostPorts: readonly PortBinding[];
  readonly tty?: number;
  readonly phase: ContainerPhase;
  readonly ready: boolean;
  readonly source: ContainerSource;
  readonly createdAt: number;
  readonly userId?: string;
  readonly dirs: ContainerDirs;
  readonly held: Readonly<HeldResources>;
  /** The token candidates still held (before start values) or the accepted one. */
  readonly token?: ConfigToken;
}

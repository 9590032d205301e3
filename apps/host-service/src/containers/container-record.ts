import type { PortBinding } from '@fractal/portbindings';
import type { DeviceSet } from '@fractal/uinput';
import type {
  ConfigToken,
  ContainerDirs,
  ContainerPhase,
  ContainerSource,
  ContainerView,
  PersistedContainer,
  StartValues,
} from './model';

/** Called after every transition with the new checkpoint; returns when it is on disk. */
export type Checkpoint = (state: PersistedContainer | null) => Promise<void>;

const ORDER: Record<ContainerPhase, number> = {
  reserved: 0,
  created: 1,
  running: 2,
  ready: 3,
  cleaning: 4,
  gone: 5,
};

/**
 * One container's state, changed only through its named transitions; each transition is
 * checkpointed (in order, one write at a time) so a restarted daemon can take over from the file.
 * What cannot outlive the process (device fds, in-flight work) lives in `runtime`, never persisted.
 */
export class ContainerRecord {
  private s: PersistedContainer;
  private saving: Promise<void> = Promise.resolve();
  /** In-process state: live device fds, in-flight restore and cleanup, token candidates. */
  readonly runtime: {
    devices: DeviceSet | null;
    readonly fdSending: AbortController;
    /** Aborts an in-flight restore when cleanup begins, so it never touches the dir afterwards. */
    readonly restoring: AbortController;
    readying?: Promise<void>;
    cleanup?: Promise<void>;
    startValuesClaimed: boolean;
    tokenCandidates: ConfigToken[];
    /** A token was accepted in this process (it may have been withdrawn since): later ones are refused. */
    tokenTaken: boolean;
    /** The restore ran (whatever its outcome); a retry of `.ready` does not run it again. */
    restored: boolean;
    readyWritten: boolean;
    /** The last `.ready` attempt failed: repeating the same request retries it. */
    readyFailed: boolean;
  };

  constructor(
    state: PersistedContainer,
    readonly dirs: ContainerDirs,
    private readonly checkpoint: Checkpoint,
  ) {
    this.s = structuredClone(state);
    this.runtime = {
      devices: null,
      fdSending: new AbortController(),
      restoring: new AbortController(),
      startValuesClaimed: state.startValues !== undefined,
      tokenCandidates: [],
      tokenTaken: state.acceptedToken !== undefined,
      restored: state.phase === 'ready',
      readyWritten: false,
      readyFailed: false,
    };
  }

  static reserve(
    init: { fractalId: string; appName: string; source: ContainerSource; createdAt: number },
    dirs: ContainerDirs,
    checkpoint: Checkpoint,
  ): ContainerRecord {
    return new ContainerRecord(
      { version: 1, ...init, phase: 'reserved', held: { ports: [], devices: false } },
      dirs,
      checkpoint,
    );
  }

  get fractalId(): string {
    return this.s.fractalId;
  }
  get appName(): string {
    return this.s.appName;
  }
  get phase(): ContainerPhase {
    return this.s.phase;
  }
  get dockerId(): string | undefined {
    return this.s.dockerId;
  }
  get hostPort(): number | undefined {
    return this.s.hostPort;
  }
  get startValues(): Readonly<StartValues> | undefined {
    return this.s.startValues;
  }
  get acceptedToken(): Readonly<ConfigToken> | undefined {
    return this.s.acceptedToken;
  }
  get ports(): readonly PortBinding[] {
    return this.s.held.ports;
  }
  get tty(): number | undefined {
    return this.s.held.tty;
  }
  /** Cleaning or gone: no request may change it any more. */
  get ending(): boolean {
    return ORDER[this.s.phase] >= ORDER.cleaning;
  }

  /** Ports, TTY and devices taken for it (reserve or adopt). */
  held(
    ports: readonly PortBinding[],
    hostPort: number | undefined,
    tty: number | undefined,
    devices: boolean,
  ): Promise<void> {
    this.s.held = { ports: ports.map((p) => ({ ...p })), tty, devices };
    this.s.hostPort = hostPort;
    return this.save();
  }

  created(dockerId: string, appName?: string): Promise<void> {
    this.s.dockerId = dockerId;
    if (appName) this.s.appName = appName;
    return this.move('created');
  }

  running(): Promise<void> {
    return this.move('running');
  }

  startValuesReceived(values: StartValues): Promise<void> {
    this.s.startValues = { ...values };
    return this.save();
  }

  /** The token that matched the start values; the one a backup after a crash is made with. */
  tokenAccepted(token: ConfigToken): Promise<void> {
    this.s.acceptedToken = { ...token };
    this.runtime.tokenCandidates = [];
    this.runtime.tokenTaken = true;
    return this.save();
  }

  /** The restore failed in a way that leaves a good archive in the store: save nothing over it. */
  tokenWithdrawn(): Promise<void> {
    this.s.acceptedToken = undefined;
    return this.save();
  }

  ready(): Promise<void> {
    return this.move('ready');
  }

  /**
   * No request changes it any more. Its settings are saved only if it was ready: before that no
   * client could have used it, and its dir may hold half a restore that must not replace the archive.
   */
  cleaning(): Promise<void> {
    this.runtime.fdSending.abort();
    this.runtime.restoring.abort();
    if (this.s.phase !== 'cleaning' && this.s.phase !== 'gone') {
      this.s.saveConfig = this.s.phase === 'ready' && this.s.acceptedToken !== undefined;
    }
    return this.move('cleaning');
  }

  /** The settings are uploaded or pending: a restart after this must not save them again. */
  configSaved(): Promise<void> {
    this.s.saveConfig = false;
    return this.save();
  }

  get saveConfig(): boolean {
    return this.s.saveConfig === true;
  }

  /** Everything is released and saved: the checkpoint file goes. */
  gone(): Promise<void> {
    this.s.phase = 'gone';
    const next = this.saving.then(() => this.checkpoint(null));
    this.saving = next.catch(() => undefined);
    return next;
  }

  snapshot(): PersistedContainer {
    return structuredClone(this.s);
  }

  view(): ContainerView {
    const s = this.s;
    return {
      fractalId: s.fractalId,
      dockerId: s.dockerId,
      appName: s.appName,
      hostPort: s.hostPort,
      hostPorts: s.held.ports.map((p) => ({ ...p })),
      tty: s.held.tty,
      phase: s.phase,
      ready: s.phase === 'ready',
      source: s.source,
      createdAt: s.createdAt,
      userId: s.startValues?.userId,
      dirs: this.dirs,
      held: { ...s.held, ports: s.held.ports.map((p) => ({ ...p })) },
      token: s.acceptedToken ?? this.runtime.tokenCandidates[0],
    };
  }

  private move(phase: ContainerPhase): Promise<void> {
    // Never backwards: a late `running` after cleanup began must not revive it.
    if (ORDER[phase] < ORDER[this.s.phase]) return this.saving;
    this.s.phase = phase;
    return this.save();
  }

  private save(): Promise<void> {
    if (this.s.phase === 'gone') return this.saving;
    const state = this.snapshot();
    const next = this.saving.then(() => this.checkpoint(state));
    this.saving = next.catch(() => undefined);
    return next;
  }
}

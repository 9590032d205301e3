import { cancellable } from '../util/cancellable';
import { cleanup, retryUnsaved } from './cleanup';
import { isDockerError } from './docker';
import { DockerEventLoop } from './docker-events';
import { HostServiceError } from './errors';
import { ManagerCore } from './manager-core';
import { DEFAULT_TIMEOUTS } from './manager-types';
import type {
  ContainerManagerDeps,
  ContainerReservation,
  ManagerTimeouts,
  ReserveRequest,
  SpinUpRequest,
} from './manager-types';
import type { ContainerView } from './model';
import { setConfigToken, setStartValues } from './readiness';
import type { ConfigTokenRequest, StartValuesRequest } from './readiness';
import { reconcile } from './reconcile';
import { recover } from './recovery';
import type { RecoveryReport } from './recovery';
import type { Entry } from './registry';
import { attach, reserve } from './reservation';
import { standardResources } from './resources';
import { spinUp } from './spin-up';

export type { ContainerManagerDeps, ContainerReservation, ManagerTimeouts, SpinUpRequest };

/**
 * Owns every Fractal container on this host. Its parts (spin-up, readiness, cleanup, reconcile,
 * recovery) share one ManagerCore; each container's state is a ContainerRecord, changed only by
 * its transitions and checkpointed on each, so a restarted daemon adopts what still runs.
 */
export class ContainerManager {
  private readonly core: ManagerCore;
  private readonly events: DockerEventLoop;
  private shutdownPromise?: Promise<void>;
  private detachPromise?: Promise<void>;
  private recovered = false;
  private retryTimer?: NodeJS.Timeout;
  private retrying?: Promise<void>;
  private recovery?: RecoveryReport;

  constructor(deps: ContainerManagerDeps) {
    const timeouts = { ...DEFAULT_TIMEOUTS, ...deps.timeouts };
    this.core = new ManagerCore(deps, timeouts, deps.resources ?? standardResources(deps));
    this.core.cleanup = (entry, reason) => cleanup(this.core, entry, reason);
    this.events = new DockerEventLoop({
      docker: deps.docker,
      fractalDir: deps.fractalDir,
      logger: deps.logger,
      now: this.core.now,
      minBackoffMs: deps.eventsBackoffMs?.min,
      maxBackoffMs: deps.eventsBackoffMs?.max,
      onEvent: (event) => {
        const entry = this.core.registry.byDockerId(event.id);
        if (entry) void this.core.cleanup(entry, `docker reported ${event.action}`);
      },
      onResubscribed: () => this.afterSubscribe(),
      ...(deps.onEventStreamReconnected ? { onReconnected: deps.onEventStreamReconnected } : {}),
    });
  }

  /** Opens the event stream, then adopts or cleans what an earlier run left (see recovery.ts). */
  async start(): Promise<RecoveryReport> {
    await this.core.store.init();
    this.retryTimer = setInterval(() => {
      this.retrying ??= retryUnsaved(this.core)
        .catch((err: unknown) => this.core.log.error({ err }, 'retrying settings saves failed'))
        .finally(() => (this.retrying = undefined));
    }, this.core.timeouts.settingsRetryMs);
    this.retryTimer.unref();
    await this.events.start();
    if (!this.recovered) {
      // The first subscription failed; recover from the checkpoints anyway, reconcile later.
      await this.afterSubscribe();
    }
    return this.recovery ?? { adopted: 0, cleaned: 0, removedUntracked: 0 };
  }

  size(): number {
    return this.core.registry.size;
  }

  /** Every tracked container (ops listener, diagnostics). */
  list(): ContainerView[] {
    return this.core.registry.all().map((e) => e.record.view());
  }

  /** Since when the Docker event stream has been down (ms since the epoch), or null while open. */
  eventStreamDownSince(): number | null {
    return this.events.downSince();
  }

  // One method per key: the old lookup({ fractalId?, dockerId?, hostPort? }) silently used the
  // first key present.
  byFractalId(fractalId: string): ContainerView | undefined {
    return this.core.registry.byFractalId(fractalId)?.record.view();
  }

  byDockerId(dockerId: string): ContainerView | undefined {
    return this.core.registry.byDockerId(dockerId)?.record.view();
  }

  /** The container a host port identifies (its first bound port), ending or not. */
  byHostPort(hostPort: number): ContainerView | undefined {
    return this.core.registry.byHostPort(hostPort)?.record.view();
  }

  spinUp(req: SpinUpRequest): Promise<string> {
    return spinUp(this.core, req);
  }

  /** Takes a FractalID and every resource for a container about to be created (ECS hook). */
  reserve(req: ReserveRequest): Promise<ContainerReservation> {
    return reserve(this.core, req);
  }

  /** Records the Docker id of a reserved container once Docker created it. */
  attach(fractalId: string, dockerId: string, appName?: string): Promise<void> {
    return attach(this.core, fractalId, dockerId, appName);
  }

  /**
   * Runs the container's whole cleanup now (containers/cleanup.ts, as when it dies): every resource
   * it holds is released, its settings are saved if it was ready, its dirs and checkpoint removed.
   * Named for what it does — a PortAllocator's release frees one port; this frees everything.
   */
  async cleanUp(fractalId: string, reason: string): Promise<void> {
    const entry = this.core.registry.byFractalId(fractalId);
    if (entry) await this.core.cleanup(entry, reason);
  }

  async setStartValues(req: StartValuesRequest): Promise<void> {
    return setStartValues(this.core, this.liveEntryAt(req.hostPort), req);
  }

  async setConfigToken(req: ConfigTokenRequest): Promise<void> {
    return setConfigToken(this.core, this.liveEntryAt(req.hostPort), req);
  }

  /** SIGTERM: stop every container, save settings, remove everything. Run-once. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.doShutdown();
    return this.shutdownPromise;
  }

  /**
   * SIGUSR2 (upgrade): stop listening and taking work; containers keep running and their
   * checkpoints stay for the next daemon, which adopts them. In-flight cleanups finish first.
   */
  detach(): Promise<void> {
    this.detachPromise ??= (async () => {
      this.core.closing = true;
      this.events.stop();
      clearInterval(this.retryTimer);
      await Promise.all([...this.core.cleanups, this.retrying]);
    })();
    return this.detachPromise;
  }

  /** Checkpoints still on disk (settings not yet saved): FRACTAL_DIR must stay for them. */
  async unfinished(): Promise<number> {
    return (await this.core.store.loadAll(() => undefined)).length;
  }

  private async afterSubscribe(): Promise<void> {
    if (this.recovered) return reconcile(this.core);
    this.recovered = true;
    this.recovery = await recover(this.core);
    this.core.log.info({ ...this.recovery }, 'containers recovered from the last run');
  }

  private async doShutdown(): Promise<void> {
    this.core.closing = true;
    this.events.stop();
    clearInterval(this.retryTimer);
    // The retry in flight runs alongside (it holds other containers than the registry's), so the
    // worst case is the longer of the two, not their sum (daemon/container-budget.ts).
    const retrying = this.retrying;
    const { docker } = this.core.deps;
    const { stopSeconds } = this.core.timeouts;
    await Promise.all(
      this.core.registry.all().map(async (entry) => {
        const id = entry.record.dockerId;
        if (id && !entry.record.ending) {
          await cancellable((stopSeconds + 10) * 1000, `docker stop ${id}`, (signal) =>
            docker.stop(id, stopSeconds, signal),
          ).catch((err: unknown) => {
            if (!isDockerError(err, 'NOT_FOUND', 'NOT_MODIFIED')) {
              this.core.log.warn(
                { err, fractalId: entry.record.fractalId },
                'stopping the container at shutdown failed; removing it anyway',
              );
            }
          });
        }
        await this.core.cleanup(entry, 'host service shutting down');
      }),
    );
    await Promise.all([...this.core.cleanups, retrying]);
  }

  /** The container a request names by host port; throws UNKNOWN_HOST_PORT when none or ending. */
  private liveEntryAt(hostPort: number): Entry {
    const entry = this.core.registry.byHostPort(hostPort);
    if (!entry || entry.record.ending) {
      throw new HostServiceError(
        'UNKNOWN_HOST_PORT',
        `no container is identified by host port ${hostPort}; check the port the container was given at spin-up`,
      );
    }
    return entry;
  }
}

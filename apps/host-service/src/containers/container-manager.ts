import type { DesiredBinding } from '@fractal/portbindings';
import { bounded, isDockerNotFound } from './bounded';
import { CONTAINER_PORTS, IDENTIFYING_PORT, buildCreateOptions } from './container-config';
import {
  acquireResources,
  newFractalId,
  releaseHostResources,
  removeContainerDirs,
  startFdSending,
  writeInitialResourceFiles,
} from './container-resources';
import type { ResourceDeps } from './container-resources';
import { backUpUserConfig } from './config-backup';
import { DockerEventLoop } from './docker-events';
import { DEFAULT_TIMEOUTS } from './manager-types';
import type {
  ContainerManagerDeps,
  ContainerReservation,
  ManagerTimeouts,
  SpinUpRequest,
} from './manager-types';
import { HostServiceError, errorMessage } from './errors';
import { parseMountCommand } from './mount-command';
import { ContainerRegistry, isCleaning } from './registry';
import type { ContainerDirs, TrackedContainer } from './registry';
import { makeReady, recordStartValues, recordToken } from './start-values';
import type { ConfigTokenRequest, StartValuesRequest } from './start-values';

export type { ContainerManagerDeps, ContainerReservation, ManagerTimeouts, SpinUpRequest };

/**
 * Owns every Fractal container on this host: spin-up, start values and token, Docker events and
 * cleanup. The registry is only changed synchronously, so concurrent requests and events see it
 * consistent; each container's cleanup runs once however many paths ask for it.
 */
export class ContainerManager {
  private readonly registry = new ContainerRegistry();
  private readonly cleanups = new Set<Promise<void>>();
  private readonly events: DockerEventLoop;
  private readonly timeouts: ManagerTimeouts;
  private readonly resourceDeps: ResourceDeps;
  private readonly captureError: (err: unknown, context?: Record<string, unknown>) => void;
  private shutdownPromise?: Promise<void>;

  constructor(private readonly deps: ContainerManagerDeps) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...deps.timeouts };
    this.resourceDeps = deps;
    const fromLogger = (
      deps.logger as { captureError?: (err: unknown, ctx?: Record<string, unknown>) => void }
    ).captureError;
    this.captureError = deps.captureError ?? (fromLogger ? fromLogger.bind(deps.logger) : () => undefined);
    this.events = new DockerEventLoop({
      docker: deps.docker,
      logger: deps.logger,
      now: deps.now ?? Date.now,
      minBackoffMs: deps.eventsBackoffMs?.min,
      maxBackoffMs: deps.eventsBackoffMs?.max,
      onEvent: (event) => {
        const entry = this.registry.byDockerId(event.id);
        if (entry) void this.cleanup(entry, `docker reported ${event.action}`);
      },
      onResubscribed: () => this.reconcile(),
    });
  }

  async start(): Promise<void> {
    await this.events.start();
  }

  size(): number {
    return this.registry.size;
  }

  /** Every tracked container, for the ops listener and metrics (read only). */
  list(): readonly Readonly<TrackedContainer>[] {
    return this.registry.all();
  }

  /** The tracked container with this id, for diagnostics and tests. */
  lookup(by: {
    fractalId?: string;
    dockerId?: string;
    hostPort?: number;
  }): Readonly<TrackedContainer> | undefined {
    if (by.fractalId !== undefined) return this.registry.byFractalId(by.fractalId);
    if (by.dockerId !== undefined) return this.registry.byDockerId(by.dockerId);
    if (by.hostPort !== undefined) return this.registry.byHostPort(by.hostPort);
    return undefined;
  }

  async spinUp(req: SpinUpRequest): Promise<string> {
    const binds = parseMountCommand(req.mountCommand);
    const desired: DesiredBinding[] = CONTAINER_PORTS.map((p) => ({ ...p, hostPort: 0 }));
    let reservation: ContainerReservation;
    try {
      reservation = await this.reserve({
        appName: req.appName,
        desired,
        timeoutSeconds: req.protocolTimeout,
      });
    } catch (err) {
      if (err instanceof HostServiceError) throw err;
      throw this.spinUpFailed('(none yet)', req, err);
    }
    const entry = this.registry.byFractalId(reservation.fractalId);
    if (!entry) throw this.spinUpFailed(reservation.fractalId, req, new Error('cleaned up during spin-up'));
    try {
      const options = buildCreateOptions({
        fractalId: reservation.fractalId,
        appName: req.appName,
        image: req.appImage,
        hostPorts: reservation.ports,
        resourceDir: reservation.dirs.resources,
        unpackedConfigsDir: reservation.dirs.unpackedConfigs,
        socketsDir: reservation.dirs.sockets,
        binds,
        devices: reservation.devices?.dockerDevices ?? [],
        hasNvidiaRuntime: this.deps.hasNvidiaRuntime,
        extraLabels: this.deps.extraLabels,
      });
      const creating = this.deps.docker.createContainer(options);
      const container = await bounded(creating, this.timeouts.dockerMs, 'docker create').catch(
        (err: unknown) => {
          // A create that outlived its timeout may still succeed: remove what it makes.
          void creating.then(
            (late) => this.removeContainer(late.id, entry.fractalId),
            () => undefined,
          );
          throw err;
        },
      );
      if (isCleaning(entry)) {
        await this.removeContainer(container.id, entry.fractalId);
        throw new Error('the container was cleaned up while it was being created');
      }
      this.registry.setDockerId(entry, container.id);
      await bounded(container.start(), this.timeouts.dockerMs, 'docker start');
      if (isCleaning(entry)) throw new Error('the container stopped right after it started');
      entry.phase = 'running';
      this.deps.logger.info(
        {
          fractalId: entry.fractalId,
          dockerId: container.id,
          hostPort: entry.hostPort,
          appName: req.appName,
        },
        'container spun up',
      );
      return container.id;
    } catch (err) {
      await this.cleanup(entry, 'spin-up failed');
      throw this.spinUpFailed(entry.fractalId, req, err);
    }
  }

  /**
   * Takes a new FractalID, its dirs, host ports, devices and TTY, writes the first resource files
   * and starts handing the device fds out. On failure everything taken is given back.
   */
  async reserve(req: {
    appName: string;
    desired: readonly DesiredBinding[];
    timeoutSeconds?: number;
  }): Promise<ContainerReservation> {
    if (this.shutdownPromise)
      throw new HostServiceError('SHUTTING_DOWN', 'the host service is shutting down; no new containers');
    const fractalId = newFractalId();
    const held = { ports: [], devices: null } as TrackedContainer['held'];
    const entry: TrackedContainer = {
      fractalId,
      appName: req.appName,
      dirs: undefined as unknown as ContainerDirs,
      phase: 'starting',
      createdAt: (this.deps.now ?? Date.now)(),
      held,
      fdSending: new AbortController(),
    };
    try {
      await acquireResources(this.resourceDeps, fractalId, req.desired, held);
      const dirs = held.dirs as ContainerDirs;
      (entry as { dirs: ContainerDirs }).dirs = dirs;
      // Shutdown has already taken its list of containers: one registered now would outlive it.
      if (this.shutdownPromise)
        throw new HostServiceError('SHUTTING_DOWN', 'the host service is shutting down; no new containers');
      const identifying = held.ports.find((p) => `${p.containerPort}/${p.protocol}` === IDENTIFYING_PORT);
      this.registry.add(entry);
      if (identifying) this.registry.setHostPort(entry, identifying.hostPort);
      await writeInitialResourceFiles(dirs, {
        hostPort: identifying?.hostPort,
        tty: held.tty as number,
        timeoutSeconds: req.timeoutSeconds,
      });
      if (held.devices)
        startFdSending(this.resourceDeps, fractalId, dirs, held.devices, entry.fdSending.signal);
    } catch (err) {
      if (entry.dirs) {
        await this.cleanup(entry, 'reservation failed');
      } else {
        releaseHostResources(this.resourceDeps, fractalId, held);
        if (held.dirs) await removeContainerDirs(held.dirs, false).catch(() => undefined);
      }
      throw err;
    }
    return {
      fractalId,
      dirs: entry.dirs,
      ports: [...held.ports],
      tty: held.tty as number,
      devices: held.devices,
    };
  }

  /** Records the Docker id of a reserved container once Docker created it. */
  attach(fractalId: string, dockerId: string, appName?: string): void {
    const entry = this.registry.byFractalId(fractalId);
    if (!entry) {
      // Its reservation was cleaned up (shutdown) while Docker created it: nothing owns it now.
      void this.removeContainer(dockerId, fractalId);
      throw new HostServiceError(
        'SPIN_UP_FAILED',
        `container ${fractalId} is no longer tracked; it cannot be attached to ${dockerId}, which is removed`,
      );
    }
    this.registry.setDockerId(entry, dockerId);
    if (appName) entry.appName = appName;
    entry.phase = 'running';
  }

  /** Gives back everything a reservation (or a tracked container) holds and removes its dirs. */
  async release(fractalId: string, reason: string): Promise<void> {
    const entry = this.registry.byFractalId(fractalId);
    if (entry) await this.cleanup(entry, reason);
  }

  async setStartValues(req: StartValuesRequest): Promise<void> {
    const entry = this.byHostPort(req.hostPort);
    await recordStartValues(entry, req);
    await this.maybeReady(entry);
  }

  async setConfigToken(req: ConfigTokenRequest): Promise<void> {
    const entry = this.byHostPort(req.hostPort);
    recordToken(entry, req);
    await this.maybeReady(entry);
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.doShutdown();
    return this.shutdownPromise;
  }

  private async doShutdown(): Promise<void> {
    this.events.stop();
    await Promise.all(
      this.registry.all().map(async (entry) => {
        if (entry.dockerId && !isCleaning(entry)) {
          const stop = this.deps.docker.getContainer(entry.dockerId).stop({ t: this.timeouts.stopSeconds });
          await bounded(stop, (this.timeouts.stopSeconds + 10) * 1000, `docker stop ${entry.dockerId}`).catch(
            (err: unknown) => {
              if (!isDockerNotFound(err) && (err as { statusCode?: number }).statusCode !== 304) {
                this.deps.logger.warn(
                  { err, fractalId: entry.fractalId },
                  'stopping the container at shutdown failed; removing it anyway',
                );
              }
            },
          );
        }
        await this.cleanup(entry, 'host service shutting down');
      }),
    );
    await Promise.all([...this.cleanups]);
  }

  private byHostPort(hostPort: number): TrackedContainer {
    const entry = this.registry.byHostPort(hostPort);
    if (!entry || isCleaning(entry)) {
      throw new HostServiceError(
        'UNKNOWN_HOST_PORT',
        `no container is identified by host port ${hostPort}; check the port the container was given at spin-up`,
      );
    }
    return entry;
  }

  private async maybeReady(entry: TrackedContainer): Promise<void> {
    // A cleanup that began while the start values were being written must not race a restore.
    if (!entry.startValues || !entry.token || entry.readying || isCleaning(entry)) return;
    entry.readying = makeReady(entry, {
      configs: this.deps.configs,
      logger: this.deps.logger,
      captureError: this.captureError,
      containerUid: this.deps.containerUid,
      restoreMs: this.timeouts.restoreMs,
    });
    await entry.readying;
  }

  private cleanup(entry: TrackedContainer, reason: string): Promise<void> {
    if (entry.cleanup) return entry.cleanup;
    entry.phase = 'cleaning';
    this.registry.remove(entry);
    const done = this.doCleanup(entry, reason).catch((err: unknown) => {
      this.deps.logger.error({ err, fractalId: entry.fractalId }, 'container cleanup failed');
      this.captureError(err, { fractalId: entry.fractalId });
    });
    entry.cleanup = done;
    this.cleanups.add(done);
    void done.finally(() => this.cleanups.delete(done));
    return done;
  }

  private async doCleanup(entry: TrackedContainer, reason: string): Promise<void> {
    const log = this.deps.logger.child({ fractalId: entry.fractalId, dockerId: entry.dockerId });
    log.info({ reason }, 'cleaning up container');
    entry.fdSending.abort();
    if (entry.readying) {
      await bounded(entry.readying, this.timeouts.restoreMs, 'config restore').catch(() => undefined);
    }
    if (entry.dockerId) await this.removeContainer(entry.dockerId, entry.fractalId);
    releaseHostResources(this.resourceDeps, entry.fractalId, entry.held);
    const keepConfigs = !(await backUpUserConfig(entry, {
      configs: this.deps.configs,
      logger: log,
      captureError: this.captureError,
      backupMs: this.timeouts.backupMs,
    }));
    await removeContainerDirs(entry.dirs, keepConfigs);
    log.info({}, 'container cleaned up');
  }

  private async removeContainer(dockerId: string, fractalId: string): Promise<void> {
    try {
      await bounded(
        this.deps.docker.getContainer(dockerId).remove({ force: true, v: true }),
        this.timeouts.dockerMs,
        `docker rm ${dockerId}`,
      );
    } catch (err) {
      if (isDockerNotFound(err) || /already in progress/.test(errorMessage(err))) return;
      this.deps.logger.error({ err, fractalId, dockerId }, 'removing the container failed');
    }
  }

  /** Cleans tracked containers that died while no event stream was listening. */
  private async reconcile(): Promise<void> {
    const listed = await bounded(
      this.deps.docker.listContainers({ all: true, filters: { label: ['fractal.id'] } }),
      this.timeouts.dockerMs,
      'docker ps',
    );
    const states = new Map(listed.map((c) => [c.Id, c.State]));
    for (const entry of this.registry.all()) {
      if (entry.phase !== 'running' || !entry.dockerId) continue;
      const state = states.get(entry.dockerId);
      if (state === undefined || state === 'exited' || state === 'dead' || state === 'removing') {
        void this.cleanup(entry, `docker ps shows it ${state ?? 'gone'}`);
      }
    }
  }

  private spinUpFailed(fractalId: string, req: SpinUpRequest, cause: unknown): HostServiceError {
    return new HostServiceError(
      'SPIN_UP_FAILED',
      `spinning up ${req.appName} (${req.appImage}, container ${fractalId}) failed: ${errorMessage(cause)}; everything it took was released`,
      { cause },
    );
  }
}

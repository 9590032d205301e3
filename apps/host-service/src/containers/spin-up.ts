import { CONTAINER_PORTS, spinUpTemplate } from './container-config';
import { HostServiceError } from './errors';
import { errorMessage } from '../util/error-message';
import type { ManagerCore } from './manager-core';
import type { SpinUpRequest } from './manager-types';
import type { Entry } from './registry';
import type { CreateBody } from './docker';
import { parseMountCommand } from './mount-command';
import { reserve } from './reservation';
import { performance } from 'node:perf_hooks';
import { cancellable } from '../util/cancellable';
import { PhaseTimer } from './phase-timer';
import { settleAll } from './settle-all';

function spinUpFailed(fractalId: string, req: SpinUpRequest, cause: unknown): HostServiceError {
  return new HostServiceError(
    'SPIN_UP_FAILED',
    `spinning up ${req.appName} (${req.appImage}, container ${fractalId}) failed: ${errorMessage(cause)}; everything it took was released`,
    { cause },
  );
}

/**
 * Reserve, create (the same body rewrite the ECS hook uses), start. Any failure undoes it all.
 *
 * Durability: only the reservation checkpoint is on disk before `docker create` (recovery needs a
 * checkpoint naming the FractalID before Docker can hold a container of it). The `created` and
 * `running` checkpoints are written while Docker starts it and after the reply: recovery finds a
 * container whose id is not checkpointed by its label, and it cleans up a reserved, created or
 * running container alike (only a ready one is adopted), so losing either changes nothing.
 */
export async function spinUp(core: ManagerCore, req: SpinUpRequest): Promise<string> {
  const timer = new PhaseTimer();
  const binds = await timer.time('validation', () => parseMountCommand(req.mountCommand));
  const { fractalDir, hasNvidiaRuntime } = core.deps;
  let reservation;
  try {
    reservation = await reserve(
      core,
      {
        appName: req.appName,
        desired: CONTAINER_PORTS.map((p) => ({ ...p, hostPort: 0 })),
        timeoutSeconds: req.protocolTimeout,
        source: 'api',
      },
      timer,
    );
  } catch (err) {
    if (err instanceof HostServiceError) throw err;
    throw spinUpFailed('(none yet)', req, err);
  }
  const { fractalId } = reservation;
  const entry = core.registry.byFractalId(fractalId);
  if (!entry) throw spinUpFailed(fractalId, req, new Error('cleaned up during spin-up'));
  try {
    const body = reservation.applyTo(
      spinUpTemplate({ appName: req.appName, image: req.appImage, fractalDir, binds, hasNvidiaRuntime }),
    );
    const queued = performance.now();
    const dockerId = await core.dockerSlots.run(() => {
      timer.record('waiting for a docker slot', performance.now() - queued);
      return createAndStart(core, entry, body, timer);
    });
    if (entry.record.ending) throw new Error('the container stopped right after it started');
    // Not awaited (see above); a failed write is logged and reported by the checkpoint itself.
    void entry.record.running().catch(() => undefined);
    const timings = timer.finish(fractalId, core.deps.onPhase);
    core.log.debug({ fractalId, timings }, 'spin-up timings (ms)');
    core.log.info(
      { fractalId, dockerId, hostPort: entry.record.hostPort, appName: req.appName },
      'container spun up',
    );
    return dockerId;
  } catch (err) {
    await core.cleanup(entry, 'spin-up failed');
    throw spinUpFailed(fractalId, req, err);
  }
}

/** Create, then start while its `created` checkpoint is written. */
async function createAndStart(
  core: ManagerCore,
  entry: Entry,
  body: CreateBody,
  timer: PhaseTimer,
): Promise<string> {
  const { docker } = core.deps;
  const ms = core.timeouts.dockerMs;
  if (entry.record.ending) throw new Error('the container was cleaned up while it waited for Docker');
  // The signal closes the request at the timeout; a create dockerd finished anyway is removed.
  let creating: Promise<string> | undefined;
  const dockerId = await timer
    .time('docker create', () =>
      cancellable(ms, 'docker create', (signal) => (creating = docker.create(body, signal))),
    )
    .catch((err: unknown) => {
      void creating?.then((late) => docker.remove(late)).catch(() => undefined);
      throw err;
    });
  if (entry.record.ending) {
    await docker.remove(dockerId).catch(() => undefined);
    throw new Error('the container was cleaned up while it was being created');
  }
  const saved = timer.time('checkpoint created', () => entry.record.created(dockerId));
  core.registry.indexDockerId(entry);
  core.crash('after-create');
  const started = timer.time('docker start', () =>
    cancellable(ms, 'docker start', (signal) => docker.start(dockerId, signal)),
  );
  // Both settle before a failure is acted on: cleanup must not race a start still in flight.
  await settleAll([saved, started]);
  return dockerId;
}

import { CONTAINER_PORTS, spinUpTemplate } from './container-config';
import { HostServiceError, errorMessage } from './errors';
import type { ManagerCore } from './manager-core';
import type { SpinUpRequest } from './manager-types';
import { parseMountCommand } from './mount-command';
import { reserve } from './reservation';
import { cancellable } from './cancellable';

function spinUpFailed(fractalId: string, req: SpinUpRequest, cause: unknown): HostServiceError {
  return new HostServiceError(
    'SPIN_UP_FAILED',
    `spinning up ${req.appName} (${req.appImage}, container ${fractalId}) failed: ${errorMessage(cause)}; everything it took was released`,
    { cause },
  );
}

/** Reserve, create (the same body rewrite the ECS hook uses), start. Any failure undoes it all. */
export async function spinUp(core: ManagerCore, req: SpinUpRequest): Promise<string> {
  const binds = parseMountCommand(req.mountCommand);
  const { docker, fractalDir, hasNvidiaRuntime } = core.deps;
  const ms = core.timeouts.dockerMs;
  let reservation;
  try {
    reservation = await reserve(core, {
      appName: req.appName,
      desired: CONTAINER_PORTS.map((p) => ({ ...p, hostPort: 0 })),
      timeoutSeconds: req.protocolTimeout,
      source: 'api',
    });
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
    // The signal closes the request at the timeout; a create dockerd finished anyway is removed.
    let creating: Promise<string> | undefined;
    const dockerId = await cancellable(
      ms,
      'docker create',
      (signal) => (creating = docker.create(body, signal)),
    ).catch((err: unknown) => {
      void creating?.then((late) => docker.remove(late)).catch(() => undefined);
      throw err;
    });
    if (entry.record.ending) {
      await docker.remove(dockerId).catch(() => undefined);
      throw new Error('the container was cleaned up while it was being created');
    }
    const saved = entry.record.created(dockerId);
    core.registry.indexDockerId(entry);
    core.crash('after-create');
    await saved;
    await cancellable(ms, 'docker start', (signal) => docker.start(dockerId, signal));
    if (entry.record.ending) throw new Error('the container stopped right after it started');
    await entry.record.running();
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

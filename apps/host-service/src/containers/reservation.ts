import { settleAll } from './settle-all';
import { randomBytes } from 'node:crypto';
import { applyResources, fractalLabels } from './container-config';
import { ContainerRecord } from './container-record';
import { HostServiceError } from './errors';
import { errorMessage } from '../util/error-message';
import type { ManagerCore } from './manager-core';
import type { ContainerReservation, ReserveRequest } from './manager-types';
import type { PhaseTimer } from './phase-timer';
import type { Entry } from './registry';
import { containerDirs } from './resources';
import type { ContainerResource, Taken } from './resources';

export function newFractalId(): string {
  return randomBytes(16).toString('hex');
}

export function shuttingDown(): HostServiceError {
  return new HostServiceError('SHUTTING_DOWN', 'the host service is shutting down; no new containers');
}

/** Gives back, in reverse order, what `resources` took; each release is independent. */
export async function releaseAll(
  core: ManagerCore,
  resources: readonly ContainerResource[],
  taken: Taken,
  keepUserConfigs: boolean,
): Promise<void> {
  for (const r of [...resources].reverse()) {
    try {
      await r.release(taken, { keepUserConfigs });
    } catch (err) {
      core.log.error({ err, fractalId: taken.fractalId }, `releasing ${r.name} failed`);
    }
  }
}

/** The resources split into groups acquired one after another, each group's concurrently. */
function groups(resources: readonly ContainerResource[]): ContainerResource[][] {
  const out: ContainerResource[][] = [];
  for (const r of resources) {
    const last = out.at(-1);
    if (r.joinsPrevious && last) last.push(r);
    else out.push([r]);
  }
  return out;
}

/**
 * Takes a new FractalID and every resource, checkpoints the reservation (before Docker hears of
 * the container, so a crash from here on leaves a checkpoint naming it), and registers it.
 * On failure everything taken is given back.
 */
export async function reserve(
  core: ManagerCore,
  req: ReserveRequest,
  timer?: PhaseTimer,
): Promise<ContainerReservation> {
  if (core.closing) throw shuttingDown();
  const fractalId = newFractalId();
  const dirs = containerDirs(core.deps.fractalDir, fractalId);
  const record = ContainerRecord.reserve(
    { fractalId, appName: req.appName, source: req.source ?? 'api', createdAt: core.now() },
    dirs,
    core.checkpointFor(fractalId),
  );
  const taken: Taken = {
    fractalId,
    dirs,
    ports: [],
    devices: null,
    fdSending: record.runtime.fdSending.signal,
  };
  const acquired: ContainerResource[] = [];
  const entry: Entry = { record, taken };
  try {
    for (const group of groups(core.resources)) {
      acquired.push(...group);
      // Every acquire of the group settles before a failure is acted on: release needs them done.
      await settleAll(
        group.map((r) => (timer ? timer.time(r.name, () => r.acquire(taken, req)) : r.acquire(taken, req))),
      );
      // Shutdown has already taken its list of containers: one registered now would outlive it.
      if (core.closing) throw shuttingDown();
    }
    record.runtime.devices = taken.devices;
    // Durable before Docker hears of the container (see spin-up.ts).
    const held = (): Promise<void> =>
      record.held(taken.ports, taken.hostPort, taken.tty, taken.devices !== null);
    await (timer ? timer.time('checkpoint reserved', held) : held());
    if (core.closing) throw shuttingDown();
    core.registry.add(entry);
  } catch (err) {
    record.runtime.fdSending.abort();
    await releaseAll(core, acquired, taken, false);
    await record.gone().catch(() => undefined);
    throw err;
  }
  const labels = fractalLabels({
    fractalId,
    appName: req.appName,
    fractalDir: core.deps.fractalDir,
    extra: core.deps.extraLabels,
  });
  return {
    fractalId,
    dirs,
    ports: taken.ports.map((p) => ({ ...p })),
    tty: taken.tty ?? -1,
    devices: taken.devices,
    applyTo: (body) => applyResources(body, core.resources, taken, labels),
  };
}

/** Records the Docker id of a reserved container once Docker created it. */
export async function attach(
  core: ManagerCore,
  fractalId: string,
  dockerId: string,
  appName?: string,
): Promise<void> {
  const entry = core.registry.byFractalId(fractalId);
  if (!entry) {
    // Its reservation was cleaned up (shutdown) while Docker created it: nothing owns it now.
    void core.deps.docker.remove(dockerId).catch(() => undefined);
    throw new HostServiceError(
      'SPIN_UP_FAILED',
      `container ${fractalId} is no longer tracked; it cannot be attached to ${dockerId}, which is removed`,
    );
  }
  const saved = entry.record.created(dockerId, appName);
  core.registry.indexDockerId(entry);
  core.crash('after-create');
  await saved.catch((err: unknown) =>
    core.log.warn({ err: errorMessage(err), fractalId }, 'checkpoint failed'),
  );
  await entry.record.running().catch(() => undefined);
}

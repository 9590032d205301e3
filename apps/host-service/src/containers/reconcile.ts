import { cancellable } from '../util/cancellable';
import { LABEL_DIR, LABEL_ID } from './container-config';
import type { ListedContainer } from './docker';
import type { ManagerCore } from './manager-core';
import { removeContainer } from './cleanup';

const DEAD = new Set(['exited', 'dead', 'removing']);

/** Our containers on the engine: only those of this FRACTAL_DIR, never another daemon's. */
export function listOurs(core: ManagerCore): Promise<ListedContainer[]> {
  return cancellable(core.timeouts.dockerMs, 'docker ps', (signal) =>
    core.deps.docker.list([`${LABEL_DIR}=${core.deps.fractalDir}`], signal),
  );
}

/**
 * After every resubscribe of the event stream: cleans (saving settings) the tracked containers
 * that died while no stream was listening, and removes the containers of ours that nothing tracks
 * any more: their cleanup has run, but its `docker rm` failed (the engine was away).
 */
export async function reconcile(core: ManagerCore): Promise<void> {
  const listed = await listOurs(core);
  const byId = new Map(listed.map((c) => [c.id, c]));
  for (const entry of core.registry.all()) {
    const { record } = entry;
    if (record.ending || !record.dockerId || record.phase === 'reserved') continue;
    const state = byId.get(record.dockerId)?.state;
    if (state === undefined || DEAD.has(state)) {
      void core.cleanup(entry, `docker ps shows it ${state ?? 'gone'}`);
    }
  }
  for (const c of listed) {
    const fractalId = c.labels[LABEL_ID] ?? '';
    // Tracked (maybe still being created by the ECS agent) or being cleaned right now: not ours to touch.
    if (
      core.registry.byFractalId(fractalId) ||
      core.registry.byDockerId(c.id) ||
      core.cleaningIds.has(fractalId)
    )
      continue;
    core.log.warn(
      { dockerId: c.id, fractalId, state: c.state },
      'removing a container of ours that nothing tracks',
    );
    await removeContainer(core, c.id, fractalId);
  }
}

import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LABEL_ID } from './container-config';
import { ContainerRecord } from './container-record';
import type { ManagerCore } from './manager-core';
import type { PersistedContainer } from './model';
import type { Entry } from './registry';
import { listOurs } from './reconcile';
import { removeContainer } from './cleanup';
import { RESOURCE_FILES, writeFileAtomic } from './resource-files';
import { containerDirs } from './resources';
import type { Taken } from './resources';

const FRACTAL_ID = /^[0-9a-f]{32}$/;

export interface RecoveryReport {
  adopted: number;
  cleaned: number;
  removedUntracked: number;
}

/**
 * Start-up: rebuilds the containers from their checkpoints and what Docker reports.
 * - running and ready: adopted (ports and TTY held again, `.ready` rewritten if it was lost);
 * - running but not ready: stopped and cleaned, settings not saved (no client could have used
 *   it yet, and its dir may hold half a restore);
 * - exited, vanished, or mid-cleanup: cleaned, settings saved when it had been ready;
 * - labelled but without a checkpoint, and dirs nobody owns: removed.
 * Everything is registered before the first await after `docker ps`, so a `die` event for an
 * adopted container is never missed.
 */
export async function recover(core: ManagerCore): Promise<RecoveryReport> {
  const states = await core.store.loadAll((file, err) =>
    core.log.error({ err, file }, 'unreadable container checkpoint skipped; move it away to silence this'),
  );
  const listed = await listOurs(core);
  const byFractal = new Map(listed.map((c) => [c.labels[LABEL_ID] ?? '', c]));
  const report: RecoveryReport = { adopted: 0, cleaned: 0, removedUntracked: 0 };
  const toClean: Array<[Entry, string]> = [];
  const adopted: Entry[] = [];
  for (const state of states) {
    const container = byFractal.get(state.fractalId);
    byFractal.delete(state.fractalId);
    // A kill between Docker's create and the checkpoint of its id: the label names it.
    if (container && state.dockerId === undefined) state.dockerId = container.id;
    const entry = rebuild(core, state);
    const alive = container?.state === 'running';
    let reason: string | undefined;
    try {
      for (const r of core.resources) r.adopt(entry.taken, state);
    } catch (err) {
      core.log.error({ err, fractalId: state.fractalId }, 'taking back its resources failed');
      reason = 'its resources could not be taken back';
    }
    try {
      core.registry.add(entry);
    } catch (err) {
      // Two checkpoints naming one host port: keep the first, clean this one.
      core.log.error({ err, fractalId: state.fractalId }, 'checkpoint conflicts with another');
      reason ??= 'its checkpoint conflicts with another container';
    }
    if (!reason && alive && state.phase === 'ready') {
      adopted.push(entry);
      continue;
    }
    reason ??= !container
      ? 'it vanished while the host service was down'
      : alive
        ? `it was ${state.phase === 'cleaning' ? 'being cleaned up' : 'not ready yet'} when the host service stopped`
        : `it was ${container.state} when the host service started`;
    toClean.push([entry, reason]);
  }
  for (const entry of adopted) {
    entry.record.runtime.readyWritten = true;
    core.log.info(
      { fractalId: entry.record.fractalId, dockerId: entry.record.dockerId, hostPort: entry.record.hostPort },
      'container adopted',
    );
  }
  report.adopted = adopted.length;
  for (const [entry, reason] of toClean) void core.cleanup(entry, reason);
  report.cleaned = toClean.length;
  for (const [fractalId, c] of byFractal) {
    core.log.warn({ fractalId, dockerId: c.id }, 'removing a container of ours that has no checkpoint');
    await removeContainer(core, c.id, fractalId);
    if (FRACTAL_ID.test(fractalId)) await removeDirs(core, fractalId);
    report.removedUntracked += 1;
  }
  await Promise.all(adopted.map((e) => ensureReadyFile(core, e)));
  await sweepOrphanDirs(core, new Set(states.map((s) => s.fractalId)));
  return report;
}

function rebuild(core: ManagerCore, state: PersistedContainer): Entry {
  const dirs = containerDirs(core.deps.fractalDir, state.fractalId);
  const record = new ContainerRecord(state, dirs, core.checkpointFor(state.fractalId));
  const taken: Taken = {
    fractalId: state.fractalId,
    dirs,
    ports: [],
    devices: null,
    fdSending: record.runtime.fdSending.signal,
  };
  return { record, taken };
}

/** `ready` is checkpointed before the file is written: a kill in between loses only the file. */
async function ensureReadyFile(core: ManagerCore, entry: Entry): Promise<void> {
  const dir = entry.record.dirs.resources;
  const exists = await stat(join(dir, RESOURCE_FILES.ready)).then(
    () => true,
    () => false,
  );
  if (exists) return;
  await writeFileAtomic(dir, RESOURCE_FILES.ready, '').catch((err: unknown) =>
    core.log.error(
      { err, fractalId: entry.record.fractalId },
      'rewriting .ready of an adopted container failed',
    ),
  );
}

async function removeDirs(core: ManagerCore, fractalId: string): Promise<void> {
  const dirs = containerDirs(core.deps.fractalDir, fractalId);
  core.log.debug({ fractalId }, 'removing dirs');
  await rm(dirs.temp, { recursive: true, force: true });
  await rm(dirs.root, { recursive: true, force: true });
}

/** Dirs of a reservation a kill interrupted before its first checkpoint. */
async function sweepOrphanDirs(core: ManagerCore, known: Set<string>): Promise<void> {
  const { fractalDir } = core.deps;
  const names = [
    ...(await readdir(fractalDir).catch(() => [] as string[])),
    ...(await readdir(join(fractalDir, 'temp')).catch(() => [] as string[])),
  ];
  for (const name of new Set(names)) {
    if (!FRACTAL_ID.test(name) || known.has(name) || core.registry.byFractalId(name)) continue;
    core.log.warn({ fractalId: name }, 'removing dirs no container owns');
    await removeDirs(core, name);
  }
}

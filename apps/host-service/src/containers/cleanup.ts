import type { Logger } from '@fractal/logger';
import type { SyncRequest } from '@fractal/userconfigs';
import { cancellable } from '../util/cancellable';
import { isDockerError } from './docker';
import type { ManagerCore } from './manager-core';
import type { Entry } from './registry';
import { releaseAll } from './reservation';

/** Removes a container; "already gone" and "removal already in progress" count as done. */
export async function removeContainer(
  core: ManagerCore,
  dockerId: string,
  fractalId: string,
): Promise<boolean> {
  try {
    await cancellable(core.timeouts.dockerMs, `docker rm ${dockerId}`, (signal) =>
      core.deps.docker.remove(dockerId, signal),
    );
    return true;
  } catch (err) {
    if (isDockerError(err, 'NOT_FOUND', 'CONFLICT')) return true;
    // It stays on the engine as an exited container; the reconcile after the next resubscribe
    // (or start) removes it, since its cleanup has run.
    core.log.error(
      { err, fractalId, dockerId },
      'removing the container failed; the next reconcile removes it',
    );
    return false;
  }
}

/**
 * Runs once per container whatever asks for it (die event, reconcile, failed spin-up, shutdown,
 * recovery): checkpoint `cleaning`, remove the container, free what it held, save the user's
 * settings if it was ready, remove its dirs, drop the checkpoint. A kill at any step leaves a
 * `cleaning` checkpoint, and the next start finishes the job.
 */
export function cleanup(core: ManagerCore, entry: Entry, reason: string): Promise<void> {
  const { record } = entry;
  if (record.runtime.cleanup) return record.runtime.cleanup;
  core.registry.remove(entry);
  const done = doCleanup(core, entry, reason).catch((err: unknown) => {
    core.log.error({ err, fractalId: record.fractalId }, 'container cleanup failed');
    core.captureError(err, { fractalId: record.fractalId });
  });
  record.runtime.cleanup = done;
  core.cleanups.add(done);
  core.cleaningIds.add(record.fractalId);
  void done.finally(() => {
    core.cleanups.delete(done);
    core.cleaningIds.delete(record.fractalId);
  });
  return done;
}

async function doCleanup(core: ManagerCore, entry: Entry, reason: string): Promise<void> {
  const { record, taken } = entry;
  const log = core.log.child({ fractalId: record.fractalId, dockerId: record.dockerId });
  log.info({ reason }, 'cleaning up container');
  await record.cleaning();
  core.crash('cleanup-started');
  if (record.runtime.readying) await record.runtime.readying.catch(() => undefined);
  if (record.dockerId) await removeContainer(core, record.dockerId, record.fractalId);
  const dirs = core.resources.find((r) => r.name === 'dirs');
  await releaseAll(
    core,
    core.resources.filter((r) => r !== dirs),
    taken,
    false,
  );
  const saved = await saveSettings(core, entry, log);
  if (dirs) await releaseAll(core, [dirs], taken, !saved);
  if (!saved) {
    // The checkpoint stays (`cleaning`, settings unsaved): retried every settingsRetryMs while
    // this daemon runs, and by the next start.
    core.unsaved.add(entry);
    log.error(
      { dir: record.dirs.userConfigs },
      'the user config could not be saved; its dir and checkpoint are kept for a retry',
    );
    return;
  }
  await record.gone();
  log.info({}, 'container cleaned up');
}

/** True when the settings are safe (uploaded, pending, or nothing to save) and the dir may go. */
async function saveSettings(core: ManagerCore, entry: Entry, log: Logger): Promise<boolean> {
  const { record } = entry;
  const token = record.acceptedToken;
  if (!record.saveConfig || !token) return true;
  const req: SyncRequest & { signal?: AbortSignal } = {
    userId: token.userId,
    appName: record.appName,
    token: token.configEncryptionToken,
    dir: record.dirs.unpackedConfigs,
  };
  try {
    const outcome = await cancellable(core.timeouts.backupMs, 'config backup', (signal) => {
      const work = core.deps.configs.backup({ ...req, signal });
      core.crash('backup-started');
      return work;
    });
    await record.configSaved();
    log.info({ outcome }, 'user config backed up');
    return true;
  } catch (err) {
    log.error({ err, dir: record.dirs.userConfigs }, 'backing up the user config failed; its dir is kept');
    core.captureError(err, { fractalId: record.fractalId });
    return false;
  }
}

/**
 * Tries again to save the settings a cleanup could not; on success the dir and checkpoint go.
 * Once the manager closes it stops after the save in flight: the shutdown's worst case may hold
 * one retry, not one per unsaved container (the rest keep their checkpoints for the next start).
 */
export async function retryUnsaved(core: ManagerCore): Promise<void> {
  for (const entry of [...core.unsaved]) {
    if (core.closing) return;
    const log = core.log.child({ fractalId: entry.record.fractalId });
    if (!(await saveSettings(core, entry, log))) continue;
    core.unsaved.delete(entry);
    const dirs = core.resources.find((r) => r.name === 'dirs');
    if (dirs) await releaseAll(core, [dirs], entry.taken, false);
    await entry.record.gone();
    log.info({}, 'user config saved on retry; container cleaned up');
  }
}

import { DEFAULT_TIMEOUTS } from '../containers/manager-types';
import type { ManagerTimeouts } from '../containers';

/**
 * The longest `ContainerManager.shutdown()` can take with these timeouts, read off its code:
 * every container in parallel gets `docker stop` ((stopSeconds + 10) s, container-manager.ts),
 * then its cleanup: `docker rm` (dockerMs) and the settings backup (backupMs, cleanup.ts).
 * Cleanups already under way when the shutdown began are no longer than that. Alongside runs the
 * settings retry in flight, which stops after its current backup (backupMs) once the manager closes.
 * Checkpoint writes and dir removals are local and not timed.
 */
export function managerShutdownWorstCaseMs(timeouts: ManagerTimeouts): number {
  const perContainer = (timeouts.stopSeconds + 10) * 1000 + timeouts.dockerMs + timeouts.backupMs;
  return Math.max(perContainer, timeouts.backupMs);
}

/** Room for the untimed local work above (checkpoints, dirs) on a busy host. */
const LOCAL_WORK_MS = 5_000;

/**
 * The containers step's shutdown budget, derived from the timeouts the daemon's manager runs with
 * (createContainerCore passes none, so the defaults): 165 s + 5 s. Abandoning the step earlier would
 * leave settings unsaved that the manager was still within its own timeouts to save.
 */
export const CONTAINERS_STOP_MS = managerShutdownWorstCaseMs(DEFAULT_TIMEOUTS) + LOCAL_WORK_MS;

import type { CrashPoint } from '../containers';

const POINTS: readonly CrashPoint[] = ['after-create', 'after-ready', 'cleanup-started', 'backup-started'];

/**
 * Recovery tests SIGKILL the built daemon at exact points of a container's life
 * (HOST_SERVICE_CRASH_AT=<point>), as a kill -9, an OOM kill or a power cut would. Unset, nothing
 * happens; an unknown name is refused at start-up so a typo cannot silently test nothing.
 */
export function crashPointFromEnv(
  value: string | undefined,
  log: (point: CrashPoint) => void,
): ((point: CrashPoint) => void) | undefined {
  if (value === undefined || value === '') return undefined;
  if (!POINTS.includes(value as CrashPoint)) {
    throw new Error(
      `HOST_SERVICE_CRASH_AT must be one of ${POINTS.join(', ')}; got ${JSON.stringify(value)}`,
    );
  }
  return (point) => {
    if (point !== value) return;
    log(point);
    process.kill(process.pid, 'SIGKILL');
  };
}

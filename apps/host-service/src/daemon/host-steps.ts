import { mkdir, readFile } from 'node:fs/promises';
import { containerStateDir } from '../containers';
import { ContainerStateStore } from '../containers/state-store';
import type { DaemonStep } from '../lifecycle/step';
import { crashPointFromEnv } from '../lifecycle/crash-points';
import { parseOpsConfig } from '../ops/ops-config';
import { acquireDaemonLock } from '../startup/daemon-lock';
import { createOwnDirs, removeOwnDirs } from '../startup/own-dirs';
import { assertRoot, checkFractalDir, markFractalDirOurs } from '../startup/preflight';
import { ensureSharedMount } from '../startup/shared-mount';
import { runCommand } from '../startup/system';
import { createTlsMaterial } from '../startup/tls';
import { reuseTlsMaterial } from '../startup/tls-reuse';
import type { DaemonContext } from './daemon-state';

/**
 * This host's side of start-up, before anything remote: root, the lock, FRACTAL_DIR fresh or ours,
 * our dirs, the shared mount and TLS. The order is ARCHITECTURE.md's "Start and stop".
 */
export function hostSteps(ctx: DaemonContext): DaemonStep[] {
  const { config, state, logger } = ctx;
  const stateDir = containerStateDir(config.fractalPrivateDir);
  const dirs = {
    fractalDir: config.fractalDir,
    fractalPrivateDir: config.fractalPrivateDir,
    ...(config.userConfigs.kind === 'local' ? { localStoreDir: config.userConfigs.dir } : {}),
  };
  // FRACTAL_DIR stays while a checkpoint does: containers left running (detach) or settings not yet saved.
  const checkpointsLeft = async (): Promise<boolean> =>
    (await new ContainerStateStore(stateDir).loadAll(() => undefined).catch(() => [])).length > 0;

  return [
    { name: 'check that we run as root', timeoutMs: 0, start: () => assertRoot(ctx.uid) },
    {
      name: 'release the daemon lock',
      timeoutMs: 1_000,
      start: async () => void (state.lock = await acquireDaemonLock(config.fractalPrivateDir)),
      // Not held means another daemon's: never release that one.
      stop: () => state.lock?.release(),
    },
    {
      name: 'check FRACTAL_DIR and the settings read at start',
      timeoutMs: 0,
      start: async () => {
        state.recovering = (await checkFractalDir(config.fractalDir, stateDir)) === 'recover';
        const crashPoint = crashPointFromEnv(ctx.env.HOST_SERVICE_CRASH_AT, (point) =>
          logger.warn({ point }, 'HOST_SERVICE_CRASH_AT: killing the daemon here'),
        );
        if (crashPoint) state.crashPoint = crashPoint;
        state.opsConfig = parseOpsConfig(ctx.env); // ops hook
      },
    },
    {
      name: 'remove our dirs',
      timeoutMs: 30_000,
      start: async () => {
        await createOwnDirs(dirs, state.recovering);
        await mkdir(stateDir, { recursive: true, mode: 0o700 });
        await markFractalDirOurs(config.fractalDir, stateDir);
      },
      stop: async () => removeOwnDirs(dirs, await checkpointsLeft()),
    },
    {
      name: 'undo the shared mount',
      timeoutMs: 15_000,
      start: async () => {
        state.undoMount = await ensureSharedMount(config.fractalDir, {
          readMountInfo: () => readFile('/proc/self/mountinfo', 'utf8'),
          run: (cmd, args) => runCommand(cmd, args, 10_000),
          logger,
        });
      },
      stop: async () => {
        // Containers still described by checkpoints (a start-up that failed while recovering) keep it.
        if (state.undoMount && !(await checkpointsLeft())) await state.undoMount();
      },
    },
    {
      name: 'TLS material',
      timeoutMs: 0,
      start: async () => {
        // A recovering start keeps the certificate clients saw before the crash or upgrade.
        state.tls =
          (state.recovering ? await reuseTlsMaterial(config.fractalPrivateDir) : undefined) ??
          (await createTlsMaterial(config.fractalPrivateDir));
      },
    },
  ];
}

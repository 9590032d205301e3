import type { FractalLogger } from '@fractal/logger';
import type { PortAllocator } from '@fractal/portbindings';
import { TtyAllocator } from '@fractal/ttys';
import { UinputUnavailableError, allocateDeviceSet, sendFds } from '@fractal/uinput';
import { UserConfigSync } from '@fractal/userconfigs';
import type { ConfigStore } from '@fractal/userconfigs';
import type { HostServiceConfig } from '../config/host-service-config';
import { ContainerManager, containerStateDir } from '../containers';
import type { ContainerManagerDeps, CrashPoint, DockerEngine } from '../containers';
import { createDeviceSource } from './device-source';
import { pendingUploadsDir } from './own-dirs';

export interface ContainerCoreDeps {
  config: Pick<HostServiceConfig, 'fractalDir' | 'fractalPrivateDir' | 'containerUid' | 'uinput'>;
  docker: DockerEngine;
  ports: PortAllocator;
  store: ConfigStore;
  logger: FractalLogger;
  hasNvidiaRuntime: boolean;
  crashPoint?: (point: CrashPoint) => void;
  /** Tests replace the uinput device source. */
  devices?: ContainerManagerDeps['devices'];
}

/**
 * The settings sync and the container manager as the daemon composes them. Its own function so
 * a wiring test builds exactly this graph: the manager must get a logger whose errors reach Sentry.
 */
export function createContainerCore(deps: ContainerCoreDeps): {
  configs: UserConfigSync;
  manager: ContainerManager;
} {
  const { config, logger } = deps;
  const configs = new UserConfigSync({
    store: deps.store,
    pendingDir: pendingUploadsDir(config.fractalPrivateDir),
    logger: logger.child({ component: 'userconfigs' }),
    // A stored archive no token of ours opened is kept as the previous generation: Sentry hears of it.
    captureError: (err, ctx) => logger.captureError(err, { component: 'userconfigs', ...ctx }),
  });
  const manager = new ContainerManager({
    docker: deps.docker,
    stateDir: containerStateDir(config.fractalPrivateDir),
    ports: deps.ports,
    ttys: new TtyAllocator({}),
    devices:
      deps.devices ??
      createDeviceSource({
        mode: config.uinput,
        allocate: () => allocateDeviceSet(),
        isUnavailable: (err) => err instanceof UinputUnavailableError,
        logger,
      }),
    sendFds,
    configs,
    logger: logger.child({ component: 'containers' }),
    fractalDir: config.fractalDir,
    containerUid: config.containerUid,
    hasNvidiaRuntime: deps.hasNvidiaRuntime,
    ...(deps.crashPoint ? { crashPoint: deps.crashPoint } : {}),
  });
  return { configs, manager };
}

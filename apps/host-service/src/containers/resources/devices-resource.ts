import { join } from 'node:path';
import type { Logger } from '@fractal/logger';
import type { DeviceSet } from '@fractal/uinput';
import type { CreateBody } from '../docker';
import type { ContainerResource } from './container-resource';

export const UINPUT_SOCKET = 'uinput.sock';

export interface DevicesResourceDeps {
  /** null = run without input devices; throwing = spin-up error */
  devices: { allocate(): Promise<DeviceSet | null> };
  sendFds: (socketPath: string, fds: readonly number[], opts: { signal: AbortSignal }) => Promise<void>;
  logger: Logger;
}

/** The three uinput devices: mapped into the container, their fds handed over the socket. */
export function devicesResource(deps: DevicesResourceDeps): ContainerResource {
  return {
    name: 'uinput devices',
    async acquire(taken) {
      const devices = await deps.devices.allocate();
      taken.devices = devices;
      if (!devices) return;
      const signal = taken.fdSending;
      deps
        .sendFds(join(taken.dirs.sockets, UINPUT_SOCKET), devices.fds, { signal })
        .then(() =>
          deps.logger.info({ fractalId: taken.fractalId }, 'uinput device fds sent to the container'),
        )
        .catch((err: unknown) => {
          if (signal.aborted) return;
          deps.logger.error(
            { err, fractalId: taken.fractalId },
            'sending uinput device fds to the container failed',
          );
        });
    },
    release(taken) {
      const devices = taken.devices;
      taken.devices = null;
      devices?.close();
    },
    contribute(body: CreateBody, taken) {
      if (!taken.devices) return;
      const hc = (body.HostConfig ??= {});
      hc.Devices = [...(hc.Devices ?? []), ...taken.devices.dockerDevices.map((d) => ({ ...d }))];
    },
    adopt() {
      // The protocol holds the passed fds, which keep the devices alive; nothing to take back.
    },
  };
}

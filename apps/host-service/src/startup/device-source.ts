import type { UinputMode } from '../config/host-service-config';
import { errorMessage } from '../util/error-message';

export interface DeviceSource<T> {
  /** null: the container starts without input devices. */
  allocate(): Promise<T | null>;
}

export interface DeviceSourceDeps<T> {
  readonly mode: UinputMode;
  readonly allocate: () => Promise<T>;
  /** True for "this host has no /dev/uinput" (as opposed to a real failure). */
  readonly isUnavailable: (err: unknown) => boolean;
  readonly logger: { warn(obj: object, msg?: string): void };
}

/**
 * Applies UINPUT: `off` never allocates; `required` lets every error fail the spin-up;
 * `auto` runs containers without devices where the host has no uinput, saying why once.
 */
export function createDeviceSource<T>(deps: DeviceSourceDeps<T>): DeviceSource<T> {
  let explained = false;
  return {
    async allocate(): Promise<T | null> {
      if (deps.mode === 'off') return null;
      try {
        return await deps.allocate();
      } catch (err) {
        if (deps.mode === 'auto' && deps.isUnavailable(err)) {
          if (!explained) {
            explained = true;
            deps.logger.warn(
              { err: errorMessage(err) },
              'UINPUT=auto: uinput is not available on this host, so containers start without input devices ' +
                '(load the uinput kernel module, or set UINPUT=off to silence this)',
            );
          }
          return null;
        }
        throw err;
      }
    },
  };
}

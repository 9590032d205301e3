import type { TtyAllocator } from '@fractal/ttys';
import type { ContainerResource } from './container-resource';

/** The virtual terminal the protocol draws on; it reaches the container through the `tty` file. */
export function ttyResource(ttys: TtyAllocator): ContainerResource {
  return {
    name: 'tty',
    async acquire(taken) {
      taken.tty = ttys.allocate(taken.fractalId);
    },
    release(taken) {
      ttys.free(taken.fractalId);
      taken.tty = undefined;
    },
    contribute() {
      // Not part of the create body.
    },
    adopt(taken, state) {
      if (state.held.tty === undefined) return;
      ttys.claim(taken.fractalId, state.held.tty);
      taken.tty = state.held.tty;
    },
  };
}

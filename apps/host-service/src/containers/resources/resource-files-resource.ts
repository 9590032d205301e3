import { RESOURCE_FILES, writeFileAtomic } from '../resource-files';
import type { ContainerResource } from './container-resource';

/** The first resource files, written before the container starts: host port, TTY, timeout. */
export function resourceFilesResource(): ContainerResource {
  return {
    name: 'resource files',
    async acquire(taken, req) {
      const dir = taken.dirs.resources;
      if (taken.hostPort !== undefined)
        await writeFileAtomic(dir, RESOURCE_FILES.hostPort, String(taken.hostPort));
      if (taken.tty !== undefined) await writeFileAtomic(dir, RESOURCE_FILES.tty, String(taken.tty));
      if (req.timeoutSeconds !== undefined)
        await writeFileAtomic(dir, RESOURCE_FILES.timeout, String(req.timeoutSeconds));
    },
    release() {
      // They go with the dirs.
    },
    contribute() {
      // Mounted with the dirs.
    },
    adopt() {
      // Still on disk.
    },
  };
}

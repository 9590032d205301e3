import { settleAll } from '../settle-all';
import { RESOURCE_FILES, writeFileAtomic } from '../resource-files';
import type { ContainerResource } from './container-resource';

/** The first resource files, written before the container starts: host port, TTY, timeout. */
export function resourceFilesResource(): ContainerResource {
  return {
    name: 'resource files',
    async acquire(taken, req) {
      const dir = taken.dirs.resources;
      const files: Array<[string, string]> = [];
      if (taken.hostPort !== undefined) files.push([RESOURCE_FILES.hostPort, String(taken.hostPort)]);
      if (taken.tty !== undefined) files.push([RESOURCE_FILES.tty, String(taken.tty)]);
      if (req.timeoutSeconds !== undefined) files.push([RESOURCE_FILES.timeout, String(req.timeoutSeconds)]);
      // Independent files: written concurrently, each settled before a failure is reported.
      await settleAll(files.map(([name, v]) => writeFileAtomic(dir, name, v)));
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

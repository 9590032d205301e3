import type { PortAllocator } from '@fractal/portbindings';
import type { TtyAllocator } from '@fractal/ttys';
import type { ContainerResource } from './container-resource';
import { devicesResource } from './devices-resource';
import type { DevicesResourceDeps } from './devices-resource';
import { dirsResource } from './dirs-resource';
import { portsResource } from './ports-resource';
import { resourceFilesResource } from './resource-files-resource';
import { ttyResource } from './tty-resource';

export type { AcquireRequest, ContainerResource, ReleaseOptions, Taken } from './container-resource';
export { FRACTAL_ID_PLACEHOLDER, containerDirs, removeContainerDirs } from './dirs-resource';
export { IDENTIFYING_PORT } from './ports-resource';
export { UINPUT_SOCKET } from './devices-resource';

export interface StandardResourceDeps extends DevicesResourceDeps {
  ports: PortAllocator;
  ttys: TtyAllocator;
  fractalDir: string;
  containerUid: number;
}

/**
 * The resources every Fractal container gets, in acquisition order. Add a resource here. Two
 * concurrent groups: dirs, ports (probes) and TTY need nothing of each other; the devices' socket
 * lives in the dirs and the resource files hold the port and TTY.
 */
export function standardResources(deps: StandardResourceDeps): ContainerResource[] {
  return [
    dirsResource(deps),
    { ...portsResource(deps.ports), joinsPrevious: true },
    { ...ttyResource(deps.ttys), joinsPrevious: true },
    devicesResource(deps),
    { ...resourceFilesResource(), joinsPrevious: true },
  ];
}

import type { PortAllocator } from '@fractal/portbindings';
import type { CreateBody } from '../docker';
import type { ContainerResource } from './container-resource';

/** The port the API identifies a container by. */
export const IDENTIFYING_PORT = '32262/tcp';

const keyOf = (key: string): string => (key.includes('/') ? key : `${key}/tcp`);

/** Host ports: each binding of the create body gets the port the allocator handed out. */
export function portsResource(ports: PortAllocator): ContainerResource {
  return {
    name: 'host ports',
    async acquire(taken, req) {
      taken.ports = await ports.allocate(taken.fractalId, req.desired);
      taken.hostPort = taken.ports.find(
        (p) => `${p.containerPort}/${p.protocol}` === IDENTIFYING_PORT,
      )?.hostPort;
    },
    release(taken) {
      ports.free(taken.fractalId);
      taken.ports = [];
    },
    contribute(body: CreateBody, taken) {
      const hc = body.HostConfig;
      if (!hc?.PortBindings) return;
      const bindings: Record<string, Array<{ HostIp?: string; HostPort: string }>> = {};
      for (const [key, list] of Object.entries(
        hc.PortBindings as Record<string, Array<{ HostIp?: string }> | null>,
      )) {
        const got = taken.ports.find((p) => `${p.containerPort}/${p.protocol}` === keyOf(key));
        const hostIp = list?.[0]?.HostIp;
        bindings[key] = [{ ...(hostIp ? { HostIp: hostIp } : {}), HostPort: String(got?.hostPort ?? '') }];
      }
      hc.PortBindings = bindings;
    },
    adopt(taken, state) {
      taken.ports = ports.adopt(taken.fractalId, state.held.ports);
      taken.hostPort = state.hostPort;
    },
  };
}

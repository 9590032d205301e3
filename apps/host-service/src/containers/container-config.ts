import type Dockerode from 'dockerode';
import { join } from 'node:path';
import type { CreateBody } from './docker';
import { FRACTAL_ID_PLACEHOLDER } from './resources';
import type { ContainerResource, Taken } from './resources';

/** The ports every Fractal container exposes; 32262/tcp is the one the API identifies it by. */
export const CONTAINER_PORTS = [
  { containerPort: 32262, protocol: 'tcp' },
  { containerPort: 32263, protocol: 'udp' },
  { containerPort: 32273, protocol: 'tcp' },
] as const;

/** The seed's capability whitelist plus SYS_NICE (the protocol raises its threads' priority). */
export const CAP_ADD = [
  'SETPCAP',
  'MKNOD',
  'AUDIT_WRITE',
  'CHOWN',
  'NET_RAW',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'NET_BIND_SERVICE',
  'SYS_CHROOT',
  'SETFCAP',
  'SYS_NICE',
] as const;

export const SHM_SIZE = 8 * 1024 * 1024 * 1024;
export const LABEL_ID = 'fractal.id';
export const LABEL_APP = 'fractal.app';

/** Which daemon's FRACTAL_DIR a container belongs to: recovery touches only its own. */
export const LABEL_DIR = 'fractal.dir';

export interface SpinUpTemplate {
  appName: string;
  image: string;
  fractalDir: string;
  binds: readonly string[];
  hasNvidiaRuntime: boolean;
}

/**
 * The create body of a spun-up container before its resources are put in: hardening, tmpfs,
 * the port bindings to fill and the mounts named through the FractalID placeholder, exactly as
 * an ECS task definition names them. `applyResources` then fills in both kinds the same way.
 */
export function spinUpTemplate(spec: SpinUpTemplate): CreateBody {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostPort: string }>> = {};
  for (const p of CONTAINER_PORTS) {
    const key = `${p.containerPort}/${p.protocol}`;
    exposed[key] = {};
    bindings[key] = [{ HostPort: '' }];
  }
  const root = join(spec.fractalDir, FRACTAL_ID_PLACEHOLDER);
  const hostConfig: Dockerode.HostConfig = {
    PortBindings: bindings,
    CapDrop: ['ALL'],
    CapAdd: [...CAP_ADD],
    Tmpfs: { '/run': 'rw,size=52428800', '/run/lock': 'rw,size=52428800' },
    ShmSize: SHM_SIZE,
    Mounts: [
      {
        Type: 'bind',
        Source: join(root, 'containerResourceMappings'),
        Target: '/fractal/resourceMappings',
        ReadOnly: true,
      },
      {
        Type: 'bind',
        Source: join(root, 'userConfigs', 'unpacked_configs'),
        Target: '/fractal/userConfigs',
        BindOptions: { Propagation: 'rshared' },
      },
      {
        Type: 'bind',
        Source: join(spec.fractalDir, 'temp', FRACTAL_ID_PLACEHOLDER, 'sockets'),
        Target: '/tmp/sockets',
      },
    ],
    Binds: [...spec.binds],
    Devices: [],
  };
  const env: string[] = [];
  if (spec.hasNvidiaRuntime) {
    hostConfig.Runtime = 'nvidia';
    hostConfig.DeviceRequests = [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }];
    env.push('NVIDIA_VISIBLE_DEVICES=all', 'NVIDIA_DRIVER_CAPABILITIES=all');
  }
  return {
    Image: spec.image,
    Tty: true,
    Env: env,
    Labels: {},
    ExposedPorts: exposed,
    HostConfig: hostConfig,
  };
}

/** Our labels on every container, spun up or ECS-created. */
export function fractalLabels(l: {
  fractalId: string;
  appName: string;
  fractalDir: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return { ...l.extra, [LABEL_ID]: l.fractalId, [LABEL_APP]: l.appName, [LABEL_DIR]: l.fractalDir };
}

/** The body Docker gets: a copy of `body` with every resource's part and our labels put in. */
export function applyResources(
  body: CreateBody,
  resources: readonly ContainerResource[],
  taken: Taken,
  labels: Record<string, string>,
): CreateBody {
  const out = structuredClone(body);
  for (const r of resources) r.contribute(out, taken);
  out.Labels = { ...out.Labels, ...labels };
  return out;
}

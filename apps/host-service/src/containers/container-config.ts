import type Dockerode from 'dockerode';
import type { DockerDeviceMapping } from '@fractal/uinput';

/** The ports every Fractal container exposes; 32262/tcp is the one the API identifies it by. */
export const CONTAINER_PORTS = [
  { containerPort: 32262, protocol: 'tcp' },
  { containerPort: 32263, protocol: 'udp' },
  { containerPort: 32273, protocol: 'tcp' },
] as const;
export const IDENTIFYING_PORT = '32262/tcp';

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

export interface ContainerSpec {
  fractalId: string;
  appName: string;
  image: string;
  /** `<containerPort>/<protocol>` → host port */
  hostPorts: ReadonlyArray<{ containerPort: number; protocol: string; hostPort: number }>;
  resourceDir: string;
  unpackedConfigsDir: string;
  socketsDir: string;
  binds: readonly string[];
  devices: readonly DockerDeviceMapping[];
  hasNvidiaRuntime: boolean;
  extraLabels?: Record<string, string>;
}

/** The create body for a spun-up container: hardening, mounts, ports, devices, labels. */
export function buildCreateOptions(spec: ContainerSpec): Dockerode.ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostPort: string }>> = {};
  for (const p of spec.hostPorts) {
    const key = `${p.containerPort}/${p.protocol}`;
    exposed[key] = {};
    bindings[key] = [{ HostPort: String(p.hostPort) }];
  }
  const hostConfig: Dockerode.HostConfig = {
    PortBindings: bindings,
    CapDrop: ['ALL'],
    CapAdd: [...CAP_ADD],
    Tmpfs: { '/run': 'rw,size=52428800', '/run/lock': 'rw,size=52428800' },
    ShmSize: SHM_SIZE,
    Mounts: [
      { Type: 'bind', Source: spec.resourceDir, Target: '/fractal/resourceMappings', ReadOnly: true },
      {
        Type: 'bind',
        Source: spec.unpackedConfigsDir,
        Target: '/fractal/userConfigs',
        BindOptions: { Propagation: 'rshared' },
      },
      { Type: 'bind', Source: spec.socketsDir, Target: '/tmp/sockets' },
    ],
    Binds: [...spec.binds],
    Devices: spec.devices.map((d) => ({ ...d })),
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
    Labels: { ...spec.extraLabels, [LABEL_ID]: spec.fractalId, [LABEL_APP]: spec.appName },
    ExposedPorts: exposed,
    HostConfig: hostConfig,
  };
}

import { randomBytes } from 'node:crypto';
import { chown, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DesiredBinding, PortAllocator, PortBinding } from '@fractal/portbindings';
import type { TtyAllocator } from '@fractal/ttys';
import type { DeviceSet } from '@fractal/uinput';
import type { Logger } from '@fractal/logger';
import type { ContainerDirs } from './registry';
import { RESOURCE_FILES, writeFileAtomic } from './resource-files';

export interface ResourceDeps {
  ports: PortAllocator;
  ttys: TtyAllocator;
  devices: { allocate(): Promise<DeviceSet | null> };
  sendFds: (socketPath: string, fds: readonly number[], opts: { signal: AbortSignal }) => Promise<void>;
  logger: Logger;
  fractalDir: string;
  containerUid: number;
}

/** What one container holds on the host. Every field is released by `releaseResources`. */
export interface HeldResources {
  dirs?: ContainerDirs;
  ports: PortBinding[];
  tty?: number;
  devices: DeviceSet | null;
}

export const UINPUT_SOCKET = 'uinput.sock';

export function newFractalId(): string {
  return randomBytes(16).toString('hex');
}

export function containerDirs(fractalDir: string, fractalId: string): ContainerDirs {
  const root = join(fractalDir, fractalId);
  const temp = join(fractalDir, 'temp', fractalId);
  return {
    root,
    resources: join(root, 'containerResourceMappings'),
    userConfigs: join(root, 'userConfigs'),
    unpackedConfigs: join(root, 'userConfigs', 'unpacked_configs'),
    temp,
    sockets: join(temp, 'sockets'),
  };
}

/**
 * Takes a container's dirs, host ports, devices and TTY, in that order, recording each in `held`
 * as soon as it is taken so that a failure part-way can be undone by `releaseResources(held)`.
 */
export async function acquireResources(
  deps: ResourceDeps,
  fractalId: string,
  desired: readonly DesiredBinding[],
  held: HeldResources,
): Promise<void> {
  const dirs = containerDirs(deps.fractalDir, fractalId);
  // The dirs are new: `recursive: false` refuses to adopt anything left from an earlier run.
  await mkdir(join(deps.fractalDir, 'temp'), { recursive: true, mode: 0o711 });
  await mkdir(dirs.root, { mode: 0o711 });
  held.dirs = dirs;
  await mkdir(dirs.temp, { mode: 0o700 });
  await mkdir(dirs.resources, { mode: 0o755 });
  await mkdir(dirs.userConfigs, { mode: 0o711 });
  await mkdir(dirs.unpackedConfigs, { mode: 0o700 });
  await chown(dirs.unpackedConfigs, deps.containerUid, deps.containerUid);
  await mkdir(dirs.sockets, { mode: 0o700 });
  held.ports = await deps.ports.allocate(fractalId, desired);
  held.devices = await deps.devices.allocate();
  held.tty = deps.ttys.allocate(fractalId);
}

export async function writeInitialResourceFiles(
  dirs: ContainerDirs,
  values: { hostPort?: number; tty: number; timeoutSeconds?: number },
): Promise<void> {
  if (values.hostPort !== undefined) {
    await writeFileAtomic(dirs.resources, RESOURCE_FILES.hostPort, String(values.hostPort));
  }
  await writeFileAtomic(dirs.resources, RESOURCE_FILES.tty, String(values.tty));
  if (values.timeoutSeconds !== undefined) {
    await writeFileAtomic(dirs.resources, RESOURCE_FILES.timeout, String(values.timeoutSeconds));
  }
}

/** Hands the device fds to the first client of `<sockets>/uinput.sock`, in the background. */
export function startFdSending(
  deps: ResourceDeps,
  fractalId: string,
  dirs: ContainerDirs,
  devices: DeviceSet,
  signal: AbortSignal,
): void {
  deps
    .sendFds(join(dirs.sockets, UINPUT_SOCKET), devices.fds, { signal })
    .then(() => deps.logger.info({ fractalId }, 'uinput device fds sent to the container'))
    .catch((err: unknown) => {
      if (signal.aborted) return;
      deps.logger.error({ err, fractalId }, 'sending uinput device fds to the container failed');
    });
}

/** Frees ports, TTY and devices. Never throws: each release is independent. */
export function releaseHostResources(deps: ResourceDeps, fractalId: string, held: HeldResources): void {
  const attempt = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      deps.logger.error({ err, fractalId }, `releasing ${what} failed`);
    }
  };
  attempt('host ports', () => deps.ports.free(fractalId));
  held.ports = [];
  attempt('tty', () => deps.ttys.free(fractalId));
  held.tty = undefined;
  const devices = held.devices;
  held.devices = null;
  if (devices) attempt('uinput devices', () => devices.close());
}

/** Removes the dirs; with `keepUserConfigs` the user's config dir stays (its upload failed). */
export async function removeContainerDirs(dirs: ContainerDirs, keepUserConfigs: boolean): Promise<void> {
  await rm(dirs.temp, { recursive: true, force: true });
  if (keepUserConfigs) {
    await rm(dirs.resources, { recursive: true, force: true });
  } else {
    await rm(dirs.root, { recursive: true, force: true });
  }
}

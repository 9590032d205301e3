import { realpath, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { HostServiceError } from './errors';
import type { HostServiceConfig } from '../config/host-service-config';
import type { ContainerManager } from './container-manager';
import { parseMountCommand } from './mount-command';

/** Host paths no container may see, whatever MOUNT_ALLOWED_ROOTS says. */
export const ALWAYS_REFUSED = [
  '/',
  '/etc',
  '/proc',
  '/sys',
  '/dev',
  '/boot',
  '/root',
  '/run',
  '/var/run',
  '/var/lib/docker',
  '/var/lib/containerd',
] as const;

const ENGINE_SOCKET = /(^|\/)(docker|containerd)[^/]*\.sock$/;

export interface MountPolicyOptions {
  /** MOUNT_ALLOWED_ROOTS; empty: every mount is refused. */
  readonly allowedRoots: readonly string[];
  /** The daemon's own dirs (FRACTAL_DIR, FRACTAL_PRIVATE_DIR, a local config store). */
  readonly ownDirs: ReadonlyArray<{ readonly name: string; readonly path: string }>;
  /** The engine's unix socket from DOCKER_HOST, when it names one. */
  readonly dockerSocket?: string;
}

function refuse(spec: string, rule: string): never {
  throw new HostServiceError('INVALID_MOUNT', `mount_command refused ${JSON.stringify(spec)}: ${rule}`);
}

const within = (path: string, dir: string): boolean =>
  dir === '/' ? path === '/' : path === dir || path.startsWith(`${dir}/`);

/** Resolves symlinks the way the kernel will; a path that does not exist yet keeps its spelling. */
async function real(path: string): Promise<string> {
  return realpath(path).catch(() => path);
}

/**
 * Which host dirs `mount_command` may bind. A source is judged by its real path (symlinks
 * followed, as the bind will be), must lie under an allowed root, and must neither be nor contain
 * a protected path. Binds are rewritten to the real path, so a symlink swapped afterwards inside
 * an allowed root cannot redirect the mount.
 */
export class MountPolicy {
  constructor(private readonly options: MountPolicyOptions) {}

  /** Returns the command with each source replaced by its real path; throws INVALID_MOUNT. */
  async check(command: string): Promise<string> {
    const binds = parseMountCommand(command);
    if (binds.length === 0) return '';
    const protectedPaths = await this.protectedPaths();
    const roots = await Promise.all(this.options.allowedRoots.map(real));
    const out: string[] = [];
    for (const bind of binds) {
      const [src, ...rest] = bind.split(':');
      const info = await stat(src).catch(() => null);
      const resolved = info === null ? src : await realpath(src);
      const shownSrc = resolved === src ? src : `${src} (really ${resolved})`;
      if (ENGINE_SOCKET.test(resolved) || ENGINE_SOCKET.test(src))
        refuse(bind, `${shownSrc} is a Docker or containerd socket, which is always refused`);
      for (const p of protectedPaths) {
        if (within(resolved, p.path) || within(p.path, resolved)) {
          refuse(bind, `${shownSrc} is or contains ${p.name}, which is always refused`);
        }
      }
      if (info === null) refuse(bind, `the host path ${src} does not exist (Docker would create it as root)`);
      if (/[\s:,]/.test(resolved)) refuse(bind, `${shownSrc} has a space, ':' or ',' in its real path`);
      if (roots.length === 0)
        refuse(
          bind,
          'mounts are off: MOUNT_ALLOWED_ROOTS is empty (set it to the dirs containers may mount)',
        );
      if (!roots.some((root) => within(resolved, root)))
        refuse(bind, `${shownSrc} is not under MOUNT_ALLOWED_ROOTS (${this.options.allowedRoots.join(':')})`);
      out.push(`-v ${[resolved, ...rest].join(':')}`);
    }
    return out.join(' ');
  }

  private async protectedPaths(): Promise<Array<{ name: string; path: string }>> {
    const named = [
      ...ALWAYS_REFUSED.map((path) => ({ name: path, path })),
      ...this.options.ownDirs.map((d) => ({ name: `${d.name} ${d.path}`, path: d.path })),
      ...(this.options.dockerSocket === undefined
        ? []
        : [{ name: `the Docker socket ${this.options.dockerSocket}`, path: this.options.dockerSocket }]),
    ];
    // Both spellings: /var/run is a symlink to /run on most hosts.
    const resolved = await Promise.all(named.map(async (p) => ({ ...p, path: await real(p.path) })));
    return [...named, ...resolved].map((p) => ({ ...p, path: posix.normalize(p.path) }));
  }
}

type ApiFacingManager = Pick<
  ContainerManager,
  'spinUp' | 'setStartValues' | 'setConfigToken' | 'byHostPort' | 'byDockerId'
>;

/** The manager as the API sees it: every spin-up's mount command goes through the policy first. */
export function withMountPolicy(manager: ApiFacingManager, policy: MountPolicy): ApiFacingManager {
  return {
    spinUp: async (req) => manager.spinUp({ ...req, mountCommand: await policy.check(req.mountCommand) }),
    setStartValues: (req) => manager.setStartValues(req),
    setConfigToken: (req) => manager.setConfigToken(req),
    byHostPort: (hostPort) => manager.byHostPort(hostPort),
    byDockerId: (dockerId) => manager.byDockerId(dockerId),
  };
}

/** The policy for a daemon's settings: its own dirs and the engine socket are always refused. */
export function mountPolicy(config: HostServiceConfig, dockerHost: string | undefined): MountPolicy {
  const store =
    config.userConfigs.kind === 'local' ? [{ name: 'the config store', path: config.userConfigs.dir }] : [];
  return new MountPolicy({
    allowedRoots: config.mountAllowedRoots,
    ownDirs: [
      { name: 'FRACTAL_DIR', path: config.fractalDir },
      { name: 'FRACTAL_PRIVATE_DIR', path: config.fractalPrivateDir },
      ...store,
    ],
    ...(dockerHost?.startsWith('unix://') ? { dockerSocket: dockerHost.slice('unix://'.length) } : {}),
  });
}

import { settleAll } from '../settle-all';
import { chown, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CreateBody } from '../docker';
import type { ContainerDirs } from '../model';
import type { ContainerResource, ReleaseOptions, Taken } from './container-resource';

/** ECS task definitions name a container's dirs with this; the hook puts the FractalID in. */
export const FRACTAL_ID_PLACEHOLDER = '%%FRACTAL_ID_PLACEHOLDER%%';

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

/** Removes the dirs; with `keepUserConfigs` the user's config dir stays (it could not be saved). */
export async function removeContainerDirs(dirs: ContainerDirs, opts: ReleaseOptions): Promise<void> {
  await rm(dirs.temp, { recursive: true, force: true });
  if (opts.keepUserConfigs) await rm(dirs.resources, { recursive: true, force: true });
  else await rm(dirs.root, { recursive: true, force: true });
}

/** The container's dirs under FRACTAL_DIR; its mounts name them through the placeholder. */
export function dirsResource(opts: { fractalDir: string; containerUid: number }): ContainerResource {
  return {
    name: 'dirs',
    async acquire(taken) {
      const dirs = taken.dirs;
      // The dirs are new: `recursive: false` refuses to adopt anything left from an earlier run.
      // Two independent chains, run concurrently; every step settles before a failure is thrown
      // (release removes the dirs, which must not race a mkdir still in flight).
      await settleAll([
        (async () => {
          await mkdir(dirs.root, { mode: 0o711 });
          await settleAll([
            mkdir(dirs.resources, { mode: 0o755 }),
            (async () => {
              await mkdir(dirs.userConfigs, { mode: 0o711 });
              await mkdir(dirs.unpackedConfigs, { mode: 0o700 });
              await chown(dirs.unpackedConfigs, opts.containerUid, opts.containerUid);
            })(),
          ]);
        })(),
        (async () => {
          await mkdir(join(opts.fractalDir, 'temp'), { recursive: true, mode: 0o711 });
          await mkdir(dirs.temp, { mode: 0o700 });
          await mkdir(dirs.sockets, { mode: 0o700 });
        })(),
      ]);
    },
    release: (taken: Taken, release: ReleaseOptions) => removeContainerDirs(taken.dirs, release),
    contribute(body: CreateBody, taken: Taken) {
      const put = (s: string): string => s.split(FRACTAL_ID_PLACEHOLDER).join(taken.fractalId);
      const hc = body.HostConfig;
      if (!hc) return;
      if (hc.Binds) hc.Binds = hc.Binds.map(put);
      if (hc.Mounts) hc.Mounts = hc.Mounts.map((m) => (m.Source ? { ...m, Source: put(m.Source) } : m));
    },
    adopt() {
      // The dirs are on disk already, mounted into the running container.
    },
  };
}

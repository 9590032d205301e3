import { posix } from 'node:path';
import { HostServiceError } from './errors';

const MAX_MOUNTS = 16;

function refuse(what: string, why: string): never {
  throw new HostServiceError(
    'INVALID_MOUNT',
    `mount_command refused ${JSON.stringify(what)}: ${why}; only bind mounts written "-v /host/path:/container/path[:ro|rw]" are accepted`,
  );
}

function checkPath(spec: string, path: string, side: string): void {
  if (!posix.isAbsolute(path)) refuse(spec, `${side} path is not absolute`);
  if (path.split('/').includes('..')) refuse(spec, `${side} path contains '..'`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f,]/.test(path)) refuse(spec, `${side} path contains a control character or ','`);
}

/**
 * Turns a developer's `-v src:dst[:ro|rw]` list into Docker `Binds`. Anything else (other flags,
 * named volumes, relative paths, propagation or SELinux options, quoting) is refused, because the
 * string comes over the network and each bind exposes host files to a container.
 */
export function parseMountCommand(command: string): string[] {
  const words = command.split(/\s+/).filter((w) => w.length > 0);
  const binds: string[] = [];
  for (let i = 0; i < words.length; i += 1) {
    const flag = words[i];
    if (flag !== '-v' && flag !== '--volume') refuse(flag, 'not a -v bind mount');
    const spec = words[i + 1];
    if (spec === undefined) refuse(flag, 'missing the src:dst after it');
    i += 1;
    if (/["'`$\\]/.test(spec)) refuse(spec, 'quotes, escapes and variables are not interpreted');
    const parts = spec.split(':');
    if (parts.length < 2 || parts.length > 3) refuse(spec, 'expected src:dst or src:dst:ro|rw');
    const [src, dst, mode] = parts;
    checkPath(spec, src, 'host');
    checkPath(spec, dst, 'container');
    if (mode !== undefined && mode !== 'ro' && mode !== 'rw')
      refuse(spec, `mode ${JSON.stringify(mode)} is not ro or rw`);
    binds.push(mode === undefined ? `${src}:${dst}` : `${src}:${dst}:${mode}`);
  }
  if (binds.length > MAX_MOUNTS) refuse(command.slice(0, 80), `more than ${MAX_MOUNTS} mounts`);
  return binds;
}

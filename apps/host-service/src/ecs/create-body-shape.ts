import { CreateHookError } from '@fractal/ecsagent-bridge';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function refuse(what: string): never {
  throw new CreateHookError(400, `container create body: ${what}`);
}

/**
 * The hook rewrites HostConfig's PortBindings, Binds, Mounts and Devices. Docker refuses bodies
 * where those have other shapes; refusing them here, before anything is reserved, means the hook
 * never half-rewrites a body it does not understand.
 */
export function checkCreateBodyShape(body: Record<string, unknown>): void {
  if (body['Image'] !== undefined && body['Image'] !== null && typeof body['Image'] !== 'string')
    refuse('Image must be a string');
  const hc = body['HostConfig'];
  if (hc === undefined || hc === null) return;
  if (!isObject(hc)) refuse('HostConfig must be an object');
  const pb = hc['PortBindings'];
  if (pb !== undefined && pb !== null) {
    if (!isObject(pb)) refuse('HostConfig.PortBindings must be an object');
    for (const [key, list] of Object.entries(pb)) {
      if (list === null) continue;
      if (!Array.isArray(list) || !list.every((b) => b === null || isObject(b)))
        refuse(`HostConfig.PortBindings[${JSON.stringify(key)}] must be a list of {HostIp, HostPort}`);
    }
  }
  const binds = hc['Binds'];
  if (binds !== undefined && binds !== null) {
    if (!Array.isArray(binds) || !binds.every((b) => typeof b === 'string'))
      refuse('HostConfig.Binds must be a list of strings');
  }
  const mounts = hc['Mounts'];
  if (mounts !== undefined && mounts !== null) {
    const ok = (m: unknown): boolean =>
      isObject(m) && (m['Source'] === undefined || m['Source'] === null || typeof m['Source'] === 'string');
    if (!Array.isArray(mounts) || !mounts.every(ok))
      refuse('HostConfig.Mounts must be a list of mounts with string Sources');
  }
  const devices = hc['Devices'];
  if (devices !== undefined && devices !== null && !Array.isArray(devices))
    refuse('HostConfig.Devices must be a list');
}

import { PortBindingError } from './port-binding-error';
import type { PortProbe } from './port-probe';
import type { Protocol } from './protocol';

export interface ReservedPort {
  port: number;
  protocol: Protocol;
}

export interface PortAllocatorOptions {
  /** Lowest host port handed out. Default 1025. */
  minPort?: number;
  /** Highest host port handed out. Default 49150. */
  maxPort?: number;
  /** Ports never handed out (the caller's own listeners, say). Default none. */
  reserved?: ReadonlyArray<ReservedPort>;
  /** Checks the host before handing a port out. Absent: no host probing. */
  probe?: PortProbe;
}

export const DEFAULT_MIN_PORT = 1025;
export const DEFAULT_MAX_PORT = 49150;

export interface ResolvedOptions {
  minPort: number;
  maxPort: number;
  reserved: ReservedPort[];
  probe: PortProbe | undefined;
}

export function isPortNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

function invalid(message: string): PortBindingError {
  return new PortBindingError('INVALID_OPTIONS', `invalid PortAllocator options: ${message}`);
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

export function resolveOptions(options: PortAllocatorOptions | undefined): ResolvedOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) {
    throw invalid(`expected an object, got ${show(options)}`);
  }
  const minPort = options.minPort ?? DEFAULT_MIN_PORT;
  const maxPort = options.maxPort ?? DEFAULT_MAX_PORT;
  if (!isPortNumber(minPort)) throw invalid(`minPort must be an integer in 1..65535, got ${show(minPort)}`);
  if (!isPortNumber(maxPort)) throw invalid(`maxPort must be an integer in 1..65535, got ${show(maxPort)}`);
  if (minPort > maxPort) throw invalid(`minPort (${minPort}) must not be greater than maxPort (${maxPort})`);

  const reservedIn: unknown = options.reserved ?? [];
  if (!Array.isArray(reservedIn)) throw invalid(`reserved must be an array, got ${show(reservedIn)}`);
  const reserved = reservedIn.map((entry: unknown, i): ReservedPort => {
    const { port, protocol } = (entry ?? {}) as { port?: unknown; protocol?: unknown };
    if (!isPortNumber(port))
      throw invalid(`reserved[${i}].port must be an integer in 1..65535, got ${show(port)}`);
    if (protocol !== 'tcp' && protocol !== 'udp') {
      throw invalid(`reserved[${i}].protocol must be "tcp" or "udp", got ${show(protocol)}`);
    }
    return { port, protocol };
  });

  const probe = options.probe;
  if (probe !== undefined && typeof (probe as Partial<PortProbe> | null)?.isFree !== 'function') {
    throw invalid('probe must have an isFree(port, protocol, bindIp) method');
  }
  return { minPort, maxPort, reserved, probe };
}

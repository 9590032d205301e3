import { isIP } from 'node:net';
import { PortBindingError } from './port-binding-error';
import { parseProtocol } from './parse-protocol';
import { describePort } from './protocol';
import type { Protocol } from './protocol';

export interface DesiredBinding {
  containerPort: number;
  protocol: Protocol;
  /** 0 = any free port of the pool; otherwise exactly this port or an error saying why not. */
  hostPort: number;
  bindIp?: string;
}

export interface PortBinding {
  containerPort: number;
  protocol: Protocol;
  hostPort: number;
  bindIp?: string;
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * Checks one requested binding's shape. Range, reservation and use are checked by the
 * allocator, which knows the pools.
 */
export function validateDesired(input: unknown, index: number, owner: string): DesiredBinding {
  const bad = (message: string): PortBindingError =>
    new PortBindingError('INVALID_BINDING', `binding #${index} for owner ${owner}: ${message}`, { owner });
  if (typeof input !== 'object' || input === null) throw bad(`expected an object, got ${show(input)}`);
  const { containerPort, protocol, hostPort, bindIp } = input as Record<string, unknown>;
  if (
    typeof containerPort !== 'number' ||
    !Number.isInteger(containerPort) ||
    containerPort < 1 ||
    containerPort > 65535
  ) {
    throw bad(`containerPort must be an integer in 1..65535, got ${show(containerPort)}`);
  }
  if (typeof protocol !== 'string') throw bad(`protocol must be "tcp" or "udp", got ${show(protocol)}`);
  const parsed = parseProtocol(protocol);
  if (typeof hostPort !== 'number' || !Number.isInteger(hostPort) || hostPort < 0 || hostPort > 65535) {
    throw bad(`hostPort must be 0 (any free port) or an integer in 1..65535, got ${show(hostPort)}`);
  }
  if (bindIp !== undefined && (typeof bindIp !== 'string' || isIP(bindIp) === 0)) {
    throw bad(`bindIp must be an IPv4 or IPv6 address, got ${show(bindIp)}`);
  }
  const binding: DesiredBinding = { containerPort, protocol: parsed, hostPort };
  if (bindIp !== undefined) binding.bindIp = bindIp;
  return binding;
}

/** Two bindings asking for the same specific host port can never both succeed. */
export function rejectDuplicateHostPorts(desired: readonly DesiredBinding[], owner: string): void {
  const seen = new Set<string>();
  for (const { hostPort, protocol } of desired) {
    if (hostPort === 0) continue;
    const key = `${hostPort}/${protocol}`;
    if (seen.has(key)) {
      throw new PortBindingError(
        'INVALID_BINDING',
        `${describePort(hostPort, protocol)} is asked for twice in one allocation for owner ${owner}; ask for each host port once`,
        { port: hostPort, protocol, owner },
      );
    }
    seen.add(key);
  }
}

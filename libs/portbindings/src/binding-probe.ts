import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { isIPv6 } from 'node:net';
import type { PortProbe } from './port-probe';
import type { Protocol } from './protocol';

export interface BindingProbeOptions {
  /** Address probed when a binding has no bindIp; Docker then publishes on all IPv4 addresses. */
  defaultBindIp?: string;
}

function probeTcp(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    // exclusive: a cluster worker must not share the handle with its primary and report "free".
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function probeUdp(port: number, address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', reuseAddr: false });
    socket.unref();
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ port, address, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

/**
 * Binds the port for a moment and lets go: the only check that sees every holder (other
 * containers' docker-proxy, host daemons) without parsing /proc. Any bind error (in use,
 * permission, address not on this host) means Docker could not bind it either.
 */
export function createBindingProbe(options: BindingProbeOptions = {}): PortProbe {
  const fallback = options.defaultBindIp ?? '0.0.0.0';
  return {
    isFree(port: number, protocol: Protocol, bindIp?: string): Promise<boolean> {
      const host = bindIp ?? fallback;
      return protocol === 'udp' ? probeUdp(port, host) : probeTcp(port, host);
    },
  };
}

import type { Protocol } from './protocol';

/** Tells whether another process on the host already holds a port. */
export interface PortProbe {
  isFree(port: number, protocol: Protocol, bindIp?: string): Promise<boolean>;
}

export type Protocol = 'tcp' | 'udp';

export const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp'];

export function describePort(port: number, protocol: Protocol): string {
  return `host port ${port}/${protocol}`;
}

import { hostname } from 'node:os';

/** What the webserver's handshake and Sentry's tags need to know about this host. */
export interface InstanceFacts {
  readonly instanceId: string;
  readonly instanceType: string;
  readonly region: string;
  readonly amiId: string;
}

/** localdev runs anywhere: stand-in values that say where they come from. */
export function localInstanceFacts(host: string = hostname()): InstanceFacts {
  return { instanceId: `localdev-${host}`, instanceType: 'localdev', region: 'localdev', amiId: 'localdev' };
}

import { readSettings } from '../config/setting-parsers';
import { SETTINGS, type OpsValues } from '../config/settings';
import { ConfigError } from '../config/config-error';

export interface OpsConfig {
  readonly host: string;
  readonly port: number;
  /** How often the instance metadata is read for spot and lifecycle notices (outside localdev). */
  readonly drainPollMs: number;
}

/** OPS_HOST, OPS_PORT and DRAIN_POLL_INTERVAL_MS (their rows in config/settings.ts); every bad value reported at once. */
export function parseOpsConfig(env: Readonly<Record<string, string | undefined>>): OpsConfig {
  const { values: v, issues } = readSettings<OpsValues>(SETTINGS, 'parseOpsConfig', env);
  if (issues.length > 0) throw new ConfigError(issues);
  return { host: v.OPS_HOST, port: v.OPS_PORT, drainPollMs: v.DRAIN_POLL_INTERVAL_MS };
}

/** Loopback addresses need no auth; anything else is reachable from elsewhere. */
export function isLoopback(host: string): boolean {
  return host === '::1' || /^127\./.test(host) || host === '::ffff:127.0.0.1';
}

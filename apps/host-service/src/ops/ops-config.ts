import { isIP } from 'node:net';
import { DEFAULTS } from '../config/settings';
import { ConfigError } from '../config/config-error';

export interface OpsConfig {
  readonly host: string;
  readonly port: number;
  /** How often the instance metadata is read for spot and lifecycle notices (outside localdev). */
  readonly drainPollMs: number;
}

/** OPS_HOST, OPS_PORT and DRAIN_POLL_INTERVAL_MS; every bad value reported at once. */
export function parseOpsConfig(env: Readonly<Record<string, string | undefined>>): OpsConfig {
  const issues: string[] = [];
  const host = env.OPS_HOST?.trim() || DEFAULTS.OPS_HOST;
  if (isIP(host) === 0) issues.push(`OPS_HOST must be an IP address, got "${host}"`);
  const int = (name: string, min: number, max: number, fallback: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) {
      issues.push(`${name} must be an integer in ${min}..${max}, got "${raw}"`);
      return fallback;
    }
    return n;
  };
  // 0 = any free port (tests); the port actually bound is logged.
  const port = int('OPS_PORT', 0, 65535, DEFAULTS.OPS_PORT);
  const drainPollMs = int('DRAIN_POLL_INTERVAL_MS', 100, 600_000, DEFAULTS.DRAIN_POLL_INTERVAL_MS);
  if (issues.length > 0) throw new ConfigError(issues);
  return { host, port, drainPollMs };
}

/** Loopback addresses need no auth; anything else is reachable from elsewhere. */
export function isLoopback(host: string): boolean {
  return host === '::1' || /^127\./.test(host) || host === '::ffff:127.0.0.1';
}

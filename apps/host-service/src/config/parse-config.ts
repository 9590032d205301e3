import { isIP } from 'node:net';
import { isAbsolute, join, normalize, relative } from 'node:path';
import { ConfigError } from './config-error';
import type {
  AppEnvName,
  EcsBridgeConfig,
  HostServiceConfig,
  UserConfigsStoreConfig,
} from './host-service-config';
import {
  APP_ENVS,
  DEFAULT_API_LIMITS,
  DEFAULT_USER_CONFIGS_BUCKET,
  DEFAULT_WEBSERVER_URLS,
  LOCALDEV_WEBSERVER_AUTH_SECRET,
  LOG_LEVELS,
  UINPUT_MODES,
} from './host-service-config';
import { DEFAULTS } from './settings';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates every setting; throws one ConfigError listing every problem.
 * An empty variable counts as unset, as in most shells' `VAR= cmd` idiom.
 */
export function parseConfig(env: Env): HostServiceConfig {
  const issues: string[] = [];
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    issues.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
    return fallback;
  };
  const int = (name: string, min: number, max: number, fallback: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    if (/^\d+$/.test(raw) && Number(raw) >= min && Number(raw) <= max) return Number(raw);
    issues.push(`${name} must be an integer in ${min}..${max} (got "${raw}")`);
    return fallback;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    if (['true', '1'].includes(raw.toLowerCase())) return true;
    if (['false', '0'].includes(raw.toLowerCase())) return false;
    issues.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };
  const onOff = (name: string, fallback: boolean): boolean => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    if (raw === 'on' || raw === 'off') return raw === 'on';
    issues.push(`${name} must be on or off (got "${raw}")`);
    return fallback;
  };
  const absPath = (name: string, fallback: string): string => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    if (!isAbsolute(raw) || raw.includes('\0')) {
      issues.push(`${name} must be an absolute path (got "${raw}")`);
      return fallback;
    }
    const p = normalize(raw).replace(/\/+$/, '');
    if (p === '') issues.push(`${name} must not be the root directory /`);
    return p === '' ? fallback : p;
  };
  const absPathList = (name: string): string[] => {
    const raw = get(name);
    if (raw === undefined) return [];
    return raw
      .split(':')
      .filter((p) => p !== '')
      .flatMap((p) => {
        if (isAbsolute(p) && !p.includes('\0')) return [normalize(p).replace(/(.)\/+$/, '$1')];
        issues.push(`${name} must be a colon-separated list of absolute dirs (got "${p}")`);
        return [];
      });
  };
  const url = (name: string, fallback: string | undefined): string | undefined => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    try {
      const u = new URL(raw);
      if (u.protocol === 'http:' || u.protocol === 'https:') return raw.replace(/\/+$/, '');
    } catch {
      // reported below
    }
    issues.push(`${name} must be an http:// or https:// URL (got "${raw}")`);
    return fallback;
  };

  // No default: an unset APP_ENV once meant localdev (0.0.0.0, the published secret, spin-up).
  if (get('APP_ENV') === undefined)
    issues.push(`APP_ENV must be set to one of ${APP_ENVS.join(', ')} (it is unset or empty)`);
  const appEnv: AppEnvName = oneOf('APP_ENV', APP_ENVS, 'localdev');
  const localdev = appEnv === 'localdev';
  const port = int('HOST_SERVICE_PORT', 1, 65535, DEFAULTS.HOST_SERVICE_PORT);
  const host = get('HOST_SERVICE_HOST') ?? DEFAULTS.HOST_SERVICE_HOST;
  if (isIP(host) === 0) issues.push(`HOST_SERVICE_HOST must be an IP address (got "${host}")`);
  const fractalDir = absPath('FRACTAL_DIR', DEFAULTS.FRACTAL_DIR);
  const fractalPrivateDir = absPath('FRACTAL_PRIVATE_DIR', DEFAULTS.FRACTAL_PRIVATE_DIR);
  if (overlaps(fractalDir, fractalPrivateDir)) {
    issues.push(
      `FRACTAL_DIR (${fractalDir}) and FRACTAL_PRIVATE_DIR (${fractalPrivateDir}) must not contain each other`,
    );
  }

  let webserverAuthSecret = get('WEBSERVER_AUTH_SECRET');
  if (webserverAuthSecret === undefined) {
    if (localdev) webserverAuthSecret = LOCALDEV_WEBSERVER_AUTH_SECRET;
    else issues.push(`WEBSERVER_AUTH_SECRET is required when APP_ENV is ${appEnv}`);
  }
  // localdev sends no heartbeats; its default only shows up in --help and logs.
  const webserverUrl =
    url('WEBSERVER_URL', DEFAULT_WEBSERVER_URLS[appEnv === 'localdev' ? 'development' : appEnv]) ??
    DEFAULT_WEBSERVER_URLS.development;

  const heartbeatRaw = get('HEARTBEAT_INTERVAL_MS');
  const heartbeatIntervalMs =
    heartbeatRaw === undefined ? null : int('HEARTBEAT_INTERVAL_MS', 100, 3_600_000, 60_000);

  const bucket = get('USER_CONFIGS_BUCKET');
  const storeDir = absPath('USER_CONFIGS_DIR', '');
  let userConfigs: UserConfigsStoreConfig;
  if (bucket !== undefined && storeDir !== '') {
    issues.push('USER_CONFIGS_BUCKET and USER_CONFIGS_DIR cannot both be set; set one');
    userConfigs = { kind: 'local', dir: storeDir };
  } else if (storeDir !== '') {
    // FRACTAL_DIR is deleted at exit: a store inside it would lose every saved config.
    if (overlaps(storeDir, fractalDir))
      issues.push(
        `USER_CONFIGS_DIR (${storeDir}) and FRACTAL_DIR (${fractalDir}) must not contain each other`,
      );
    userConfigs = { kind: 'local', dir: storeDir };
  } else if (bucket !== undefined || !localdev) {
    const b = bucket ?? DEFAULT_USER_CONFIGS_BUCKET;
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(b)) {
      issues.push(`USER_CONFIGS_BUCKET must be an S3 bucket name: 3..63 of a-z 0-9 . - (got "${b}")`);
    }
    // AWS_ENDPOINT_URL(_S3) is read by the S3 client itself (start-daemon passes process.env).
    userConfigs = { kind: 's3', bucket: b };
  } else {
    userConfigs = { kind: 'local', dir: join(fractalPrivateDir, 'user-configs') };
  }

  const uinput = oneOf('UINPUT', UINPUT_MODES, localdev ? 'auto' : 'required');
  const containerUid = int('CONTAINER_UID', 0, 2_147_483_647, DEFAULTS.CONTAINER_UID);
  const useProdLogging = bool('USE_PROD_LOGGING', !localdev);
  const logLevel = oneOf('LOG_LEVEL', LOG_LEVELS, localdev ? 'debug' : 'info');
  const sentryDsn = url('SENTRY_DSN', undefined);
  const logzioToken = get('LOGZIO_TOKEN');
  const logzioListenerUrl = url('LOGZIO_LISTENER_URL', undefined);
  if (logzioListenerUrl !== undefined && logzioToken === undefined) {
    issues.push('LOGZIO_LISTENER_URL is set but LOGZIO_TOKEN is not; set both or neither');
  }

  const ecsOn = onOff('ECS_BRIDGE', !localdev);
  const ecsBridge: EcsBridgeConfig = ecsOn
    ? {
        enabled: true,
        configFile: absPath('ECS_CONFIG_FILE', DEFAULTS.ECS_CONFIG_FILE),
        socketPath: absPath('ECS_BRIDGE_SOCKET', DEFAULTS.ECS_BRIDGE_SOCKET),
        agentImage: get('ECS_AGENT_IMAGE') ?? DEFAULTS.ECS_AGENT_IMAGE,
        agentHostDirs: {
          log: absPath('ECS_AGENT_LOG_DIR', DEFAULTS.ECS_AGENT_LOG_DIR),
          data: absPath('ECS_AGENT_DATA_DIR', DEFAULTS.ECS_AGENT_DATA_DIR),
          config: absPath('ECS_AGENT_CONFIG_DIR', DEFAULTS.ECS_AGENT_CONFIG_DIR),
        },
      }
    : { enabled: false };
  const mountAllowedRoots = absPathList('MOUNT_ALLOWED_ROOTS');
  const maxConnections = int('API_MAX_CONNECTIONS', 1, 1_000_000, DEFAULT_API_LIMITS.maxConnections);
  const maxConnectionsPerAddress = int(
    'API_MAX_CONNECTIONS_PER_ADDRESS',
    1,
    1_000_000,
    Math.min(DEFAULT_API_LIMITS.maxConnectionsPerAddress, maxConnections),
  );
  const imds = DEFAULTS.AWS_EC2_METADATA_SERVICE_ENDPOINT;
  const imdsEndpoint = url('AWS_EC2_METADATA_SERVICE_ENDPOINT', imds) ?? imds;

  if (issues.length > 0) throw new ConfigError(issues);
  return {
    appEnv,
    port,
    host,
    fractalDir,
    fractalPrivateDir,
    webserverAuthSecret: webserverAuthSecret ?? '',
    webserverUrl,
    heartbeatIntervalMs,
    userConfigs,
    uinput,
    containerUid,
    useProdLogging,
    logLevel,
    ...(sentryDsn === undefined ? {} : { sentryDsn }),
    ...(logzioToken === undefined
      ? {}
      : {
          logzio:
            logzioListenerUrl === undefined
              ? { token: logzioToken }
              : { token: logzioToken, listenerUrl: logzioListenerUrl },
        }),
    ecsBridge,
    imdsEndpoint,
    mountAllowedRoots,
    apiLimits: { maxConnections, maxConnectionsPerAddress },
  };
}

function overlaps(a: string, b: string): boolean {
  const inside = (child: string, parent: string): boolean => {
    const r = relative(parent, child);
    return r === '' || (!r.startsWith('..') && !isAbsolute(r));
  };
  return inside(a, b) || inside(b, a);
}

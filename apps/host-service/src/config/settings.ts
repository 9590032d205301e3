import { isIP } from 'node:net';
import type { ApiLimits, AppEnvName, LogLevel, UinputMode } from './host-service-config';
import { APP_ENVS, LOG_LEVELS, UINPUT_MODES } from './host-service-config';
import type { Kind, Parse, ParsedRow } from './setting-parsers';
import { absPath, absPathList, bool, int, kinds, oneOf, onOff, overlaps, url } from './setting-parsers';

/**
 * The one table of environment settings. Each row has its name, its default as `--help` shows it,
 * its doc line and its parse; parseConfig (config/parse-config.ts) and parseOpsConfig
 * (ops/ops-config.ts) run the parses of their rows in table order, `--help` prints the table, and
 * the README section between the `settings:start`/`end` markers is generated from it
 * (`npx nx run host-service:settings-doc`; settings-doc.spec.ts fails when the README differs).
 */

/** How a setting is shown: by `--help` and in the README. */
export interface SettingDoc {
  readonly name: string;
  readonly defaultText: string;
  readonly description: string;
}

/** Who reads a setting: parseConfig, parseOpsConfig, or a program that reads the environment itself. */
export type SettingReader = 'parseConfig' | 'parseOpsConfig' | 'external';

export interface Setting extends SettingDoc, ParsedRow {
  readonly readBy: SettingReader;
}

/** The values of the rows parseConfig reads, by name; parse-config.ts builds HostServiceConfig from them. */
export interface ConfigValues {
  APP_ENV: AppEnvName;
  HOST_SERVICE_PORT: number;
  HOST_SERVICE_HOST: string;
  FRACTAL_DIR: string;
  FRACTAL_PRIVATE_DIR: string;
  WEBSERVER_AUTH_SECRET: string;
  WEBSERVER_URL: string;
  /** null: a fresh random interval before each beat. */
  HEARTBEAT_INTERVAL_MS: number | null;
  /** The local store dir, when one is set. */
  USER_CONFIGS_DIR: string | undefined;
  /** The S3 bucket the store uses; undefined when the store is a local dir. */
  USER_CONFIGS_BUCKET: string | undefined;
  UINPUT: UinputMode;
  CONTAINER_UID: number;
  USE_PROD_LOGGING: boolean;
  LOG_LEVEL: LogLevel;
  SENTRY_DSN: string | undefined;
  LOGZIO_TOKEN: string | undefined;
  LOGZIO_LISTENER_URL: string | undefined;
  ECS_BRIDGE: boolean;
  /** The ECS_* values below are read (and checked) only when ECS_BRIDGE is on. */
  ECS_CONFIG_FILE: string;
  ECS_BRIDGE_SOCKET: string;
  ECS_AGENT_IMAGE: string;
  ECS_AGENT_LOG_DIR: string;
  ECS_AGENT_DATA_DIR: string;
  ECS_AGENT_CONFIG_DIR: string;
  MOUNT_ALLOWED_ROOTS: string[];
  API_MAX_CONNECTIONS: number;
  API_MAX_CONNECTIONS_PER_ADDRESS: number;
  AWS_EC2_METADATA_SERVICE_ENDPOINT: string;
}

/** The values of the rows parseOpsConfig reads. */
export interface OpsValues {
  OPS_HOST: string;
  OPS_PORT: number;
  DRAIN_POLL_INTERVAL_MS: number;
}

export const DEFAULT_API_LIMITS: ApiLimits = { maxConnections: 1000, maxConnectionsPerAddress: 200 };

export const DEFAULT_WEBSERVER_URLS: Readonly<Record<Exclude<AppEnvName, 'localdev'>, string>> = {
  development: 'https://dev-server.fractal.co',
  staging: 'https://staging-server.fractal.co',
  production: 'https://prod-server.fractal.co',
};

export const LOCALDEV_WEBSERVER_AUTH_SECRET = 'testwebserverauthsecretdev';
export const DEFAULT_USER_CONFIGS_BUCKET = 'fractal-user-app-configs';
const DEFAULT_OPS_HOST = '127.0.0.1';

type Row<V, K extends keyof V> = { readonly defaultText: string; readonly parse: Parse<V[K], V> };

const setting = <V, K extends keyof V & string>(
  readBy: SettingReader,
  name: K,
  description: string,
  { defaultText, parse }: Row<V, K>,
): Setting => ({ name, defaultText, description, readBy, parse: parse as unknown as Setting['parse'] });

const config = <K extends keyof ConfigValues & string>(
  name: K,
  description: string,
  row: Row<ConfigValues, K>,
): Setting => setting('parseConfig', name, description, row);

const ops = <K extends keyof OpsValues & string>(
  name: K,
  description: string,
  row: Row<OpsValues, K>,
): Setting => setting('parseOpsConfig', name, description, row);

const external = (name: string, defaultText: string, description: string): Setting => ({
  name,
  defaultText,
  description,
  readBy: 'external',
});

/** The ops listener's integers: its own message form ("..., got"), kept from before the table. */
const opsInt = (min: number, max: number, fallback: number): Kind<number> => ({
  defaultText: String(fallback),
  parse: (raw, ctx) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) {
      ctx.issue(`${ctx.name} must be an integer in ${min}..${max}, got "${raw}"`);
      return fallback;
    }
    return n;
  },
});

/** An ECS_* setting: checked only when the bridge is on; its default otherwise. */
const ecs = (kind: Kind<string>): Row<ConfigValues, 'ECS_CONFIG_FILE'> => ({
  defaultText: kind.defaultText,
  parse: (raw, ctx) => (ctx.value('ECS_BRIDGE') ? kind.parse(raw, ctx) : kind.parse(undefined, ctx)),
});

const localdev = (ctx: { value(name: 'APP_ENV'): AppEnvName }): boolean =>
  ctx.value('APP_ENV') === 'localdev';

export const SETTINGS: readonly Setting[] = [
  config('APP_ENV', 'localdev | development | staging | production; there is no default', {
    defaultText: '(required)',
    // No default: an unset APP_ENV once meant localdev (0.0.0.0, the published secret, spin-up).
    parse: (raw, ctx) => {
      if (raw === undefined)
        ctx.issue(`APP_ENV must be set to one of ${APP_ENVS.join(', ')} (it is unset or empty)`);
      return oneOf(raw, ctx, APP_ENVS, 'localdev');
    },
  }),
  config('HOST_SERVICE_PORT', 'HTTPS port of the API (1..65535)', kinds.integer(1, 65535, 4678)),
  ops(
    'OPS_HOST',
    'IP address of the plain-HTTP ops listener (no auth: a non-loopback one is logged as a warning)',
    {
      defaultText: DEFAULT_OPS_HOST,
      parse: (raw, ctx) => {
        const host = raw ?? DEFAULT_OPS_HOST;
        if (isIP(host) === 0) ctx.issue(`OPS_HOST must be an IP address, got "${host}"`);
        return host;
      },
    },
  ),
  // 0 = any free port (tests); the port actually bound is logged.
  ops('OPS_PORT', 'port of the ops listener (0..65535; 0 = any free one)', opsInt(0, 65535, 4679)),
  ops(
    'DRAIN_POLL_INTERVAL_MS',
    'how often the instance metadata is read for spot and Auto Scaling notices (outside localdev)',
    opsInt(100, 600_000, 5000),
  ),
  config('HOST_SERVICE_HOST', 'IP address the API binds (the webserver calls it from outside)', {
    defaultText: '0.0.0.0',
    parse: (raw, ctx) => {
      const host = raw ?? '0.0.0.0';
      if (isIP(host) === 0) ctx.issue(`HOST_SERVICE_HOST must be an IP address (got "${host}")`);
      return host;
    },
  }),
  config('FRACTAL_DIR', 'per-container dirs; must not exist at start', kinds.absolutePath('/fractal')),
  config('FRACTAL_PRIVATE_DIR', 'TLS key and certificate, pending config uploads', {
    defaultText: '/fractalprivate',
    parse: (raw, ctx) => {
      const dir = absPath(raw, ctx, '/fractalprivate');
      const fractalDir = ctx.value('FRACTAL_DIR');
      if (overlaps(fractalDir, dir))
        ctx.issue(`FRACTAL_DIR (${fractalDir}) and FRACTAL_PRIVATE_DIR (${dir}) must not contain each other`);
      return dir;
    },
  }),
  config('WEBSERVER_AUTH_SECRET', 'secret the webserver sends as auth_secret; required outside localdev', {
    defaultText: `${LOCALDEV_WEBSERVER_AUTH_SECRET} (localdev only)`,
    parse: (raw, ctx) => {
      if (raw !== undefined) return raw;
      if (localdev(ctx)) return LOCALDEV_WEBSERVER_AUTH_SECRET;
      ctx.issue(`WEBSERVER_AUTH_SECRET is required when APP_ENV is ${ctx.value('APP_ENV')}`);
      return '';
    },
  }),
  config('WEBSERVER_URL', 'webserver that receives the handshake and heartbeats', {
    defaultText: 'per APP_ENV: https://{dev,staging,prod}-server.fractal.co',
    // localdev sends no heartbeats; its default only shows up in --help and logs.
    parse: (raw, ctx) => {
      const appEnv = ctx.value('APP_ENV');
      return url(raw, ctx, DEFAULT_WEBSERVER_URLS[appEnv === 'localdev' ? 'development' : appEnv]);
    },
  }),
  config('HEARTBEAT_INTERVAL_MS', 'fixed interval between heartbeats (100..3600000)', {
    defaultText: 'random 55000..65000 per beat',
    parse: (raw, ctx) => (raw === undefined ? null : int(raw, ctx, 100, 3_600_000, 60_000)),
  }),
  config('USER_CONFIGS_DIR', 'local dir used instead of S3 for user config archives', {
    defaultText: '$FRACTAL_PRIVATE_DIR/user-configs (localdev without a bucket)',
    parse: (raw, ctx) => {
      const dir = absPath(raw, ctx, undefined);
      const fractalDir = ctx.value('FRACTAL_DIR');
      // FRACTAL_DIR is deleted at exit: a store inside it would lose every saved config.
      if (dir !== undefined && ctx.env('USER_CONFIGS_BUCKET') === undefined && overlaps(dir, fractalDir))
        ctx.issue(`USER_CONFIGS_DIR (${dir}) and FRACTAL_DIR (${fractalDir}) must not contain each other`);
      return dir;
    },
  }),
  config('USER_CONFIGS_BUCKET', 'S3 bucket of user config archives', {
    defaultText: `${DEFAULT_USER_CONFIGS_BUCKET} (outside localdev)`,
    parse: (raw, ctx) => {
      const dir = ctx.value('USER_CONFIGS_DIR');
      if (raw !== undefined && dir !== undefined)
        ctx.issue('USER_CONFIGS_BUCKET and USER_CONFIGS_DIR cannot both be set; set one');
      if (dir !== undefined || (raw === undefined && localdev(ctx))) return undefined;
      const bucket = raw ?? DEFAULT_USER_CONFIGS_BUCKET;
      if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
        ctx.issue(`USER_CONFIGS_BUCKET must be an S3 bucket name: 3..63 of a-z 0-9 . - (got "${bucket}")`);
      // AWS_ENDPOINT_URL(_S3) is read by the S3 client itself (daemon/serving-steps.ts passes process.env).
      return bucket;
    },
  }),
  config('UINPUT', 'auto | required | off: virtual input devices', {
    defaultText: 'auto in localdev, required elsewhere',
    parse: (raw, ctx) => oneOf(raw, ctx, UINPUT_MODES, localdev(ctx) ? 'auto' : 'required'),
  }),
  config('CONTAINER_UID', "owner of the containers' user-config dirs", kinds.integer(0, 2_147_483_647, 1000)),
  config('USE_PROD_LOGGING', 'true | false: Sentry and log shipping', {
    defaultText: 'false in localdev, true elsewhere',
    parse: (raw, ctx) => bool(raw, ctx, !localdev(ctx)),
  }),
  config('LOG_LEVEL', 'trace | debug | info | warn | error | fatal', {
    defaultText: 'debug in localdev, info elsewhere',
    parse: (raw, ctx) => oneOf(raw, ctx, LOG_LEVELS, localdev(ctx) ? 'debug' : 'info'),
  }),
  config('SENTRY_DSN', 'Sentry DSN for error reports', {
    defaultText: '(none)',
    parse: (raw, ctx) => url(raw, ctx, undefined),
  }),
  config('LOGZIO_TOKEN', 'log-shipping token (logz.io)', { defaultText: '(none)', parse: (raw) => raw }),
  config('LOGZIO_LISTENER_URL', 'log-shipping listener URL', {
    defaultText: "(the shipper's default)",
    parse: (raw, ctx) => {
      const listener = url(raw, ctx, undefined);
      if (listener !== undefined && ctx.value('LOGZIO_TOKEN') === undefined)
        ctx.issue('LOGZIO_LISTENER_URL is set but LOGZIO_TOKEN is not; set both or neither');
      return listener;
    },
  }),
  config('ECS_BRIDGE', 'on | off: run the Amazon ECS agent through our Docker proxy', {
    defaultText: 'off in localdev, on elsewhere',
    parse: (raw, ctx) => onOff(raw, ctx, !localdev(ctx)),
  }),
  config(
    'ECS_CONFIG_FILE',
    'ECS agent settings (KEY=value lines)',
    ecs(kinds.absolutePath('/etc/ecs/ecs.config')),
  ),
  config(
    'ECS_BRIDGE_SOCKET',
    'Docker API socket the ECS agent is given',
    ecs(kinds.absolutePath('/var/run/fractal/ecs-docker.sock')),
  ),
  config('ECS_AGENT_IMAGE', 'image of the ECS agent', ecs(kinds.text('amazon/amazon-ecs-agent:latest'))),
  config(
    'ECS_AGENT_LOG_DIR',
    "host dir for the ECS agent's logs (its /log)",
    ecs(kinds.absolutePath('/var/log/ecs')),
  ),
  config(
    'ECS_AGENT_DATA_DIR',
    "host dir for the ECS agent's state (its /data)",
    ecs(kinds.absolutePath('/var/lib/ecs/data')),
  ),
  config(
    'ECS_AGENT_CONFIG_DIR',
    'host dir mounted at /etc/ecs in the ECS agent',
    ecs(kinds.absolutePath('/etc/ecs')),
  ),
  config(
    'MOUNT_ALLOWED_ROOTS',
    'colon-separated absolute dirs; spin_up_container mount sources must resolve (symlinks followed) under one',
    { defaultText: '(none: every mount refused)', parse: (raw, ctx) => absPathList(raw, ctx) },
  ),
  config(
    'API_MAX_CONNECTIONS',
    'concurrent HTTPS connections in total; the rest of the fds stay for Docker and backups',
    {
      defaultText: `${DEFAULT_API_LIMITS.maxConnections} (and at most half the open-file limit)`,
      parse: (raw, ctx) => int(raw, ctx, 1, 1_000_000, DEFAULT_API_LIMITS.maxConnections),
    },
  ),
  config('API_MAX_CONNECTIONS_PER_ADDRESS', 'concurrent HTTPS connections from one client address', {
    defaultText: String(DEFAULT_API_LIMITS.maxConnectionsPerAddress),
    parse: (raw, ctx) =>
      int(
        raw,
        ctx,
        1,
        1_000_000,
        Math.min(DEFAULT_API_LIMITS.maxConnectionsPerAddress, ctx.value('API_MAX_CONNECTIONS')),
      ),
  }),
  config(
    'AWS_EC2_METADATA_SERVICE_ENDPOINT',
    'instance metadata service (IMDSv2), outside localdev',
    kinds.httpUrl('http://169.254.169.254'),
  ),
  external('DOCKER_HOST', 'unix:///var/run/docker.sock', 'Docker engine (standard Docker variable)'),
  external(
    'AWS_*',
    '(the SDK defaults)',
    'standard AWS SDK variables (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_S3, ...) for S3',
  ),
];

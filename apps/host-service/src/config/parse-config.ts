import { join } from 'node:path';
import { ConfigError } from './config-error';
import type { HostServiceConfig } from './host-service-config';
import { readSettings, type Env } from './setting-parsers';
import { SETTINGS, type ConfigValues } from './settings';

export type { Env } from './setting-parsers';

/**
 * Reads and validates every setting the table in settings.ts marks as read by parseConfig, in table
 * order; throws one ConfigError listing every problem. An empty variable counts as unset.
 */
export function parseConfig(env: Env): HostServiceConfig {
  const { values: v, issues } = readSettings<ConfigValues>(SETTINGS, 'parseConfig', env);
  if (issues.length > 0) throw new ConfigError(issues);
  const userConfigs: HostServiceConfig['userConfigs'] =
    v.USER_CONFIGS_DIR !== undefined
      ? { kind: 'local', dir: v.USER_CONFIGS_DIR }
      : v.USER_CONFIGS_BUCKET !== undefined
        ? { kind: 's3', bucket: v.USER_CONFIGS_BUCKET }
        : { kind: 'local', dir: join(v.FRACTAL_PRIVATE_DIR, 'user-configs') };
  return {
    appEnv: v.APP_ENV,
    port: v.HOST_SERVICE_PORT,
    host: v.HOST_SERVICE_HOST,
    fractalDir: v.FRACTAL_DIR,
    fractalPrivateDir: v.FRACTAL_PRIVATE_DIR,
    webserverAuthSecret: v.WEBSERVER_AUTH_SECRET,
    webserverUrl: v.WEBSERVER_URL,
    heartbeatIntervalMs: v.HEARTBEAT_INTERVAL_MS,
    userConfigs,
    uinput: v.UINPUT,
    containerUid: v.CONTAINER_UID,
    useProdLogging: v.USE_PROD_LOGGING,
    logLevel: v.LOG_LEVEL,
    ...(v.SENTRY_DSN === undefined ? {} : { sentryDsn: v.SENTRY_DSN }),
    ...(v.LOGZIO_TOKEN === undefined
      ? {}
      : {
          logzio:
            v.LOGZIO_LISTENER_URL === undefined
              ? { token: v.LOGZIO_TOKEN }
              : { token: v.LOGZIO_TOKEN, listenerUrl: v.LOGZIO_LISTENER_URL },
        }),
    ecsBridge: v.ECS_BRIDGE
      ? {
          enabled: true,
          configFile: v.ECS_CONFIG_FILE,
          socketPath: v.ECS_BRIDGE_SOCKET,
          agentImage: v.ECS_AGENT_IMAGE,
          agentHostDirs: {
            log: v.ECS_AGENT_LOG_DIR,
            data: v.ECS_AGENT_DATA_DIR,
            config: v.ECS_AGENT_CONFIG_DIR,
          },
        }
      : { enabled: false },
    imdsEndpoint: v.AWS_EC2_METADATA_SERVICE_ENDPOINT,
    mountAllowedRoots: v.MOUNT_ALLOWED_ROOTS,
    apiLimits: {
      maxConnections: v.API_MAX_CONNECTIONS,
      maxConnectionsPerAddress: v.API_MAX_CONNECTIONS_PER_ADDRESS,
    },
  };
}

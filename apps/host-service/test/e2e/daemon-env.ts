import { join } from 'node:path';
import type { ImdsStandIn } from '../imds-stand-in';
import type { WebserverStandIn } from '../webserver-stand-in';

/**
 * The environment of a daemon in APP_ENV=development with its state under `root`, talking to the
 * IMDS and webserver stand-ins (test/): no ECS bridge, no uinput, readable logs. Intervals are the
 * spec's to add.
 */
export function developmentEnv(
  root: string,
  port: number,
  stands: { readonly imds: ImdsStandIn; readonly web: WebserverStandIn; readonly secret: string },
): Record<string, string> {
  return {
    APP_ENV: 'development',
    HOST_SERVICE_PORT: String(port),
    HOST_SERVICE_HOST: '127.0.0.1',
    FRACTAL_DIR: join(root, 'fractal'),
    FRACTAL_PRIVATE_DIR: join(root, 'private'),
    USER_CONFIGS_DIR: join(root, 'store'),
    WEBSERVER_AUTH_SECRET: stands.secret,
    WEBSERVER_URL: stands.web.url,
    AWS_EC2_METADATA_SERVICE_ENDPOINT: stands.imds.url,
    ECS_BRIDGE: 'off',
    UINPUT: 'off',
    USE_PROD_LOGGING: 'false',
  };
}

/**
 * The ECS bridge on, with `image` (the test image) as the agent: its config file and socket are
 * the spec's, the agent's log, data and config dirs `root/ecs-log`, `root/ecs-data`, `root/ecs-etc`.
 */
export function ecsBridgeEnv(
  root: string,
  bridge: { readonly socketPath: string; readonly configFile: string; readonly image: string },
): Record<string, string> {
  return {
    ECS_BRIDGE: 'on',
    ECS_CONFIG_FILE: bridge.configFile,
    ECS_BRIDGE_SOCKET: bridge.socketPath,
    ECS_AGENT_IMAGE: bridge.image,
    ECS_AGENT_LOG_DIR: join(root, 'ecs-log'),
    ECS_AGENT_DATA_DIR: join(root, 'ecs-data'),
    ECS_AGENT_CONFIG_DIR: join(root, 'ecs-etc'),
  };
}

/**
 * The one table of environment settings: parseConfig and parseOpsConfig take their defaults from
 * DEFAULTS, `--help` prints SETTINGS, and the README section between the `settings:start`/`end`
 * markers is generated from it (`npx nx run host-service:settings-doc`; settings-doc.spec.ts fails
 * when the README differs).
 */
export const DEFAULTS = {
  HOST_SERVICE_PORT: 4678,
  HOST_SERVICE_HOST: '0.0.0.0',
  OPS_HOST: '127.0.0.1',
  OPS_PORT: 4679,
  DRAIN_POLL_INTERVAL_MS: 5000,
  FRACTAL_DIR: '/fractal',
  FRACTAL_PRIVATE_DIR: '/fractalprivate',
  CONTAINER_UID: 1000,
  ECS_CONFIG_FILE: '/etc/ecs/ecs.config',
  ECS_BRIDGE_SOCKET: '/var/run/fractal/ecs-docker.sock',
  ECS_AGENT_IMAGE: 'amazon/amazon-ecs-agent:latest',
  ECS_AGENT_LOG_DIR: '/var/log/ecs',
  ECS_AGENT_DATA_DIR: '/var/lib/ecs/data',
  ECS_AGENT_CONFIG_DIR: '/etc/ecs',
  API_MAX_CONNECTIONS: 1000,
  API_MAX_CONNECTIONS_PER_ADDRESS: 200,
  AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://169.254.169.254',
} as const;

const shown = (name: keyof typeof DEFAULTS): string => String(DEFAULTS[name]);

export interface SettingDoc {
  readonly name: string;
  readonly defaultText: string;
  readonly description: string;
}

export const SETTINGS: readonly SettingDoc[] = [
  {
    name: 'APP_ENV',
    defaultText: '(required)',
    description: 'localdev | development | staging | production; there is no default',
  },
  {
    name: 'HOST_SERVICE_PORT',
    defaultText: shown('HOST_SERVICE_PORT'),
    description: 'HTTPS port of the API (1..65535)',
  },
  {
    name: 'OPS_HOST',
    defaultText: shown('OPS_HOST'),
    description:
      'IP address of the plain-HTTP ops listener (no auth: a non-loopback one is logged as a warning)',
  },
  {
    name: 'OPS_PORT',
    defaultText: shown('OPS_PORT'),
    description: 'port of the ops listener (0..65535; 0 = any free one)',
  },
  {
    name: 'DRAIN_POLL_INTERVAL_MS',
    defaultText: shown('DRAIN_POLL_INTERVAL_MS'),
    description:
      'how often the instance metadata is read for spot and Auto Scaling notices (outside localdev)',
  },
  {
    name: 'HOST_SERVICE_HOST',
    defaultText: shown('HOST_SERVICE_HOST'),
    description: 'IP address the API binds (the webserver calls it from outside)',
  },
  {
    name: 'FRACTAL_DIR',
    defaultText: shown('FRACTAL_DIR'),
    description: 'per-container dirs; must not exist at start',
  },
  {
    name: 'FRACTAL_PRIVATE_DIR',
    defaultText: shown('FRACTAL_PRIVATE_DIR'),
    description: 'TLS key and certificate, pending config uploads',
  },
  {
    name: 'WEBSERVER_AUTH_SECRET',
    defaultText: 'testwebserverauthsecretdev (localdev only)',
    description: 'secret the webserver sends as auth_secret; required outside localdev',
  },
  {
    name: 'WEBSERVER_URL',
    defaultText: 'per APP_ENV: https://{dev,staging,prod}-server.fractal.co',
    description: 'webserver that receives the handshake and heartbeats',
  },
  {
    name: 'HEARTBEAT_INTERVAL_MS',
    defaultText: 'random 55000..65000 per beat',
    description: 'fixed interval between heartbeats (100..3600000)',
  },
  {
    name: 'USER_CONFIGS_BUCKET',
    defaultText: 'fractal-user-app-configs (outside localdev)',
    description: 'S3 bucket of user config archives',
  },
  {
    name: 'USER_CONFIGS_DIR',
    defaultText: '$FRACTAL_PRIVATE_DIR/user-configs (localdev without a bucket)',
    description: 'local dir used instead of S3 for user config archives',
  },
  {
    name: 'UINPUT',
    defaultText: 'auto in localdev, required elsewhere',
    description: 'auto | required | off: virtual input devices',
  },
  {
    name: 'CONTAINER_UID',
    defaultText: shown('CONTAINER_UID'),
    description: "owner of the containers' user-config dirs",
  },
  {
    name: 'USE_PROD_LOGGING',
    defaultText: 'false in localdev, true elsewhere',
    description: 'true | false: Sentry and log shipping',
  },
  {
    name: 'LOG_LEVEL',
    defaultText: 'debug in localdev, info elsewhere',
    description: 'trace | debug | info | warn | error | fatal',
  },
  { name: 'SENTRY_DSN', defaultText: '(none)', description: 'Sentry DSN for error reports' },
  { name: 'LOGZIO_TOKEN', defaultText: '(none)', description: 'log-shipping token (logz.io)' },
  {
    name: 'LOGZIO_LISTENER_URL',
    defaultText: "(the shipper's default)",
    description: 'log-shipping listener URL',
  },
  {
    name: 'ECS_BRIDGE',
    defaultText: 'off in localdev, on elsewhere',
    description: 'on | off: run the Amazon ECS agent through our Docker proxy',
  },
  {
    name: 'ECS_CONFIG_FILE',
    defaultText: shown('ECS_CONFIG_FILE'),
    description: 'ECS agent settings (KEY=value lines)',
  },
  {
    name: 'ECS_BRIDGE_SOCKET',
    defaultText: shown('ECS_BRIDGE_SOCKET'),
    description: 'Docker API socket the ECS agent is given',
  },
  {
    name: 'ECS_AGENT_IMAGE',
    defaultText: shown('ECS_AGENT_IMAGE'),
    description: 'image of the ECS agent',
  },
  {
    name: 'ECS_AGENT_LOG_DIR',
    defaultText: shown('ECS_AGENT_LOG_DIR'),
    description: "host dir for the ECS agent's logs (its /log)",
  },
  {
    name: 'ECS_AGENT_DATA_DIR',
    defaultText: shown('ECS_AGENT_DATA_DIR'),
    description: "host dir for the ECS agent's state (its /data)",
  },
  {
    name: 'ECS_AGENT_CONFIG_DIR',
    defaultText: shown('ECS_AGENT_CONFIG_DIR'),
    description: 'host dir mounted at /etc/ecs in the ECS agent',
  },
  {
    name: 'MOUNT_ALLOWED_ROOTS',
    defaultText: '(none: every mount refused)',
    description:
      'colon-separated absolute dirs; spin_up_container mount sources must resolve (symlinks followed) under one',
  },
  {
    name: 'API_MAX_CONNECTIONS',
    defaultText: `${shown('API_MAX_CONNECTIONS')} (and at most half the open-file limit)`,
    description: 'concurrent HTTPS connections in total; the rest of the fds stay for Docker and backups',
  },
  {
    name: 'API_MAX_CONNECTIONS_PER_ADDRESS',
    defaultText: shown('API_MAX_CONNECTIONS_PER_ADDRESS'),
    description: 'concurrent HTTPS connections from one client address',
  },
  {
    name: 'AWS_EC2_METADATA_SERVICE_ENDPOINT',
    defaultText: shown('AWS_EC2_METADATA_SERVICE_ENDPOINT'),
    description: 'instance metadata service (IMDSv2), outside localdev',
  },
  {
    name: 'DOCKER_HOST',
    defaultText: 'unix:///var/run/docker.sock',
    description: 'Docker engine (standard Docker variable)',
  },
  {
    name: 'AWS_*',
    defaultText: '(the SDK defaults)',
    description: 'standard AWS SDK variables (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_S3, ...) for S3',
  },
];

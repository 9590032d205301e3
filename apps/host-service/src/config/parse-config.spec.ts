import { ConfigError } from './config-error';
import { parseConfig } from './parse-config';

const issuesOf = (env: Record<string, string>): readonly string[] => {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

const prod = { APP_ENV: 'production', WEBSERVER_AUTH_SECRET: 's3cret' };

describe('parseConfig defaults', () => {
  it('gives localdev everything it needs with only APP_ENV set', () => {
    expect(parseConfig({ APP_ENV: 'localdev' })).toEqual({
      appEnv: 'localdev',
      port: 4678,
      host: '0.0.0.0',
      fractalDir: '/fractal',
      fractalPrivateDir: '/fractalprivate',
      webserverAuthSecret: 'testwebserverauthsecretdev',
      webserverUrl: 'https://dev-server.fractal.co',
      heartbeatIntervalMs: null,
      userConfigs: { kind: 'local', dir: '/fractalprivate/user-configs' },
      uinput: 'auto',
      containerUid: 1000,
      useProdLogging: false,
      logLevel: 'debug',
      ecsBridge: { enabled: false },
      imdsEndpoint: 'http://169.254.169.254',
      mountAllowedRoots: [],
      apiLimits: { maxConnections: 1000, maxConnectionsPerAddress: 200 },
    });
  });

  it('turns on production defaults outside localdev', () => {
    const c = parseConfig(prod);
    expect(c.webserverUrl).toBe('https://prod-server.fractal.co');
    expect(c.uinput).toBe('required');
    expect(c.useProdLogging).toBe(true);
    expect(c.userConfigs).toEqual({ kind: 's3', bucket: 'fractal-user-app-configs' });
    expect(c.ecsBridge).toEqual({
      enabled: true,
      configFile: '/etc/ecs/ecs.config',
      socketPath: '/var/run/fractal/ecs-docker.sock',
      agentImage: 'amazon/amazon-ecs-agent:latest',
      agentHostDirs: { log: '/var/log/ecs', data: '/var/lib/ecs/data', config: '/etc/ecs' },
    });
  });

  it.each([
    ['development', 'https://dev-server.fractal.co'],
    ['staging', 'https://staging-server.fractal.co'],
    ['production', 'https://prod-server.fractal.co'],
  ])('picks the %s webserver', (appEnv, url) => {
    expect(parseConfig({ ...prod, APP_ENV: appEnv }).webserverUrl).toBe(url);
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig({ APP_ENV: 'localdev', HOST_SERVICE_PORT: '' }).port).toBe(4678);
  });

  it.each<Record<string, string>>([{}, { APP_ENV: '' }, { APP_ENV: ' ' }])(
    'refuses to guess APP_ENV from %j',
    (env) => {
      expect(issuesOf(env)).toEqual([
        'APP_ENV must be set to one of localdev, development, staging, production (it is unset or empty)',
      ]);
    },
  );

  it('reads the mount roots and connection limits', () => {
    const c = parseConfig({
      APP_ENV: 'localdev',
      MOUNT_ALLOWED_ROOTS: '/srv/builds/:/home/dev/x',
      API_MAX_CONNECTIONS: '50',
    });
    expect(c.mountAllowedRoots).toEqual(['/srv/builds', '/home/dev/x']);
    expect(c.apiLimits).toEqual({ maxConnections: 50, maxConnectionsPerAddress: 50 });
    expect(parseConfig({ APP_ENV: 'localdev' }).mountAllowedRoots).toEqual([]);
    expect(issuesOf({ APP_ENV: 'localdev', MOUNT_ALLOWED_ROOTS: '/a:b' })).toEqual([
      'MOUNT_ALLOWED_ROOTS must be a colon-separated list of absolute dirs (got "b")',
    ]);
  });
});

describe('parseConfig values', () => {
  it('reads every setting', () => {
    const c = parseConfig({
      APP_ENV: 'staging',
      HOST_SERVICE_PORT: '8443',
      HOST_SERVICE_HOST: '127.0.0.1',
      FRACTAL_DIR: '/tmp/f/',
      FRACTAL_PRIVATE_DIR: '/tmp/p',
      WEBSERVER_AUTH_SECRET: 'abc',
      WEBSERVER_URL: 'http://127.0.0.1:9000/',
      HEARTBEAT_INTERVAL_MS: '250',
      USER_CONFIGS_BUCKET: 'my-bucket',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4569',
      UINPUT: 'off',
      CONTAINER_UID: '2000',
      USE_PROD_LOGGING: 'false',
      LOG_LEVEL: 'debug',
      SENTRY_DSN: 'https://key@sentry.example/1',
      LOGZIO_TOKEN: 'tok',
      LOGZIO_LISTENER_URL: 'https://listener.example:8071',
      ECS_BRIDGE: 'on',
      ECS_CONFIG_FILE: '/etc/ecs/other.config',
      ECS_BRIDGE_SOCKET: '/run/ecs.sock',
      ECS_AGENT_IMAGE: 'ecs:1',
      ECS_AGENT_LOG_DIR: '/srv/ecs/log',
      ECS_AGENT_DATA_DIR: '/srv/ecs/data',
      ECS_AGENT_CONFIG_DIR: '/srv/ecs/etc',
      AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:1338',
      MOUNT_ALLOWED_ROOTS: '/srv/protocol',
      API_MAX_CONNECTIONS: '300',
      API_MAX_CONNECTIONS_PER_ADDRESS: '30',
    });
    expect(c).toEqual({
      appEnv: 'staging',
      port: 8443,
      host: '127.0.0.1',
      fractalDir: '/tmp/f',
      fractalPrivateDir: '/tmp/p',
      webserverAuthSecret: 'abc',
      webserverUrl: 'http://127.0.0.1:9000',
      heartbeatIntervalMs: 250,
      userConfigs: { kind: 's3', bucket: 'my-bucket' },
      uinput: 'off',
      containerUid: 2000,
      useProdLogging: false,
      logLevel: 'debug',
      sentryDsn: 'https://key@sentry.example/1',
      logzio: { token: 'tok', listenerUrl: 'https://listener.example:8071' },
      ecsBridge: {
        enabled: true,
        configFile: '/etc/ecs/other.config',
        socketPath: '/run/ecs.sock',
        agentImage: 'ecs:1',
        agentHostDirs: { log: '/srv/ecs/log', data: '/srv/ecs/data', config: '/srv/ecs/etc' },
      },
      imdsEndpoint: 'http://127.0.0.1:1338',
      mountAllowedRoots: ['/srv/protocol'],
      apiLimits: { maxConnections: 300, maxConnectionsPerAddress: 30 },
    });
  });

  it('uses a local store dir when USER_CONFIGS_DIR is set, in any environment', () => {
    expect(parseConfig({ ...prod, USER_CONFIGS_DIR: '/var/configs' }).userConfigs).toEqual({
      kind: 'local',
      dir: '/var/configs',
    });
  });

  it.each([
    ['/fractal/store', '/fractal'],
    ['/fractal', '/fractal'],
    ['/srv', '/srv/fractal'],
  ])('refuses USER_CONFIGS_DIR %s overlapping FRACTAL_DIR %s, which is deleted at exit', (dir, fractal) => {
    expect(issuesOf({ APP_ENV: 'localdev', USER_CONFIGS_DIR: dir, FRACTAL_DIR: fractal })).toEqual([
      `USER_CONFIGS_DIR (${dir}) and FRACTAL_DIR (${fractal}) must not contain each other`,
    ]);
  });

  it('uses S3 in localdev once a bucket is given', () => {
    expect(parseConfig({ APP_ENV: 'localdev', USER_CONFIGS_BUCKET: 'dev-bucket' }).userConfigs).toEqual({
      kind: 's3',
      bucket: 'dev-bucket',
    });
  });

  it.each([
    ['1', true],
    ['TRUE', true],
    ['0', false],
    ['false', false],
  ])('reads USE_PROD_LOGGING=%s', (raw, value) => {
    expect(parseConfig({ APP_ENV: 'localdev', USE_PROD_LOGGING: raw }).useProdLogging).toBe(value);
  });
});

describe('parseConfig messages', () => {
  it.each<[Record<string, string>, string]>([
    [{ APP_ENV: 'prod' }, 'APP_ENV must be one of localdev, development, staging, production (got "prod")'],
    [{ HOST_SERVICE_PORT: '0' }, 'HOST_SERVICE_PORT must be an integer in 1..65535 (got "0")'],
    [{ HOST_SERVICE_PORT: '65536' }, 'HOST_SERVICE_PORT must be an integer in 1..65535 (got "65536")'],
    [{ HOST_SERVICE_PORT: '80.5' }, 'HOST_SERVICE_PORT must be an integer in 1..65535 (got "80.5")'],
    [{ HOST_SERVICE_HOST: 'localhost' }, 'HOST_SERVICE_HOST must be an IP address (got "localhost")'],
    [{ FRACTAL_DIR: 'fractal' }, 'FRACTAL_DIR must be an absolute path (got "fractal")'],
    [{ FRACTAL_DIR: '/' }, 'FRACTAL_DIR must not be the root directory /'],
    [{ FRACTAL_PRIVATE_DIR: './p' }, 'FRACTAL_PRIVATE_DIR must be an absolute path (got "./p")'],
    [
      { FRACTAL_DIR: '/a', FRACTAL_PRIVATE_DIR: '/a/b' },
      'FRACTAL_DIR (/a) and FRACTAL_PRIVATE_DIR (/a/b) must not contain each other',
    ],
    [{ APP_ENV: 'staging' }, 'WEBSERVER_AUTH_SECRET is required when APP_ENV is staging'],
    [{ WEBSERVER_URL: 'ftp://x' }, 'WEBSERVER_URL must be an http:// or https:// URL (got "ftp://x")'],
    [{ HEARTBEAT_INTERVAL_MS: '99' }, 'HEARTBEAT_INTERVAL_MS must be an integer in 100..3600000 (got "99")'],
    [
      { USER_CONFIGS_BUCKET: 'b-1', USER_CONFIGS_DIR: '/c' },
      'USER_CONFIGS_BUCKET and USER_CONFIGS_DIR cannot both be set; set one',
    ],
    [
      { USER_CONFIGS_BUCKET: 'Bad_Bucket' },
      'USER_CONFIGS_BUCKET must be an S3 bucket name: 3..63 of a-z 0-9 . - (got "Bad_Bucket")',
    ],
    [{ USER_CONFIGS_DIR: 'rel' }, 'USER_CONFIGS_DIR must be an absolute path (got "rel")'],
    [{ UINPUT: 'yes' }, 'UINPUT must be one of auto, required, off (got "yes")'],
    [{ CONTAINER_UID: '-1' }, 'CONTAINER_UID must be an integer in 0..2147483647 (got "-1")'],
    [{ USE_PROD_LOGGING: 'maybe' }, 'USE_PROD_LOGGING must be true or false (got "maybe")'],
    [
      { LOG_LEVEL: 'verbose' },
      'LOG_LEVEL must be one of trace, debug, info, warn, error, fatal (got "verbose")',
    ],
    [{ SENTRY_DSN: 'nope' }, 'SENTRY_DSN must be an http:// or https:// URL (got "nope")'],
    [
      { LOGZIO_LISTENER_URL: 'https://l.example' },
      'LOGZIO_LISTENER_URL is set but LOGZIO_TOKEN is not; set both or neither',
    ],
    [{ ECS_BRIDGE: 'yes' }, 'ECS_BRIDGE must be on or off (got "yes")'],
    [
      { ECS_BRIDGE: 'on', ECS_CONFIG_FILE: 'ecs.config' },
      'ECS_CONFIG_FILE must be an absolute path (got "ecs.config")',
    ],
    [
      { ECS_BRIDGE: 'on', ECS_BRIDGE_SOCKET: 's.sock' },
      'ECS_BRIDGE_SOCKET must be an absolute path (got "s.sock")',
    ],
    [
      { AWS_EC2_METADATA_SERVICE_ENDPOINT: '169.254.169.254' },
      'AWS_EC2_METADATA_SERVICE_ENDPOINT must be an http:// or https:// URL (got "169.254.169.254")',
    ],
  ])('rejects %j', (env, message) => {
    expect(issuesOf({ APP_ENV: 'localdev', ...env })).toEqual([message]);
  });

  it('lists every problem at once', () => {
    const err = (() => {
      try {
        parseConfig({ APP_ENV: 'production', HOST_SERVICE_PORT: 'x', UINPUT: 'on' });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.issues).toHaveLength(3);
    expect(err.message).toBe(
      'invalid settings:\n' +
        '  HOST_SERVICE_PORT must be an integer in 1..65535 (got "x")\n' +
        '  WEBSERVER_AUTH_SECRET is required when APP_ENV is production\n' +
        '  UINPUT must be one of auto, required, off (got "on")',
    );
  });
});

import { parseArgs, renderHelp, renderVersion } from './cli';
import { SETTINGS } from './settings';

const info = { version: '1.2.3', commit: 'abc123' };

describe('cli', () => {
  it('parses the three flags and rejects anything else', () => {
    expect(parseArgs([])).toEqual({ kind: 'run' });
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['--version'])).toEqual({ kind: 'version' });
    expect(parseArgs(['--port', '1'])).toEqual({
      kind: 'error',
      message: 'unknown arguments: --port 1 (try --help; settings come from the environment)',
    });
  });

  it('prints the version and commit', () => {
    expect(renderVersion(info)).toBe('host-service 1.2.3 (commit abc123)\n');
  });

  it('lists every setting the config parser reads', () => {
    const help = renderHelp(SETTINGS, info);
    for (const name of [
      'APP_ENV',
      'HOST_SERVICE_PORT',
      'HOST_SERVICE_HOST',
      'FRACTAL_DIR',
      'FRACTAL_PRIVATE_DIR',
      'WEBSERVER_AUTH_SECRET',
      'WEBSERVER_URL',
      'HEARTBEAT_INTERVAL_MS',
      'USER_CONFIGS_BUCKET',
      'USER_CONFIGS_DIR',
      'UINPUT',
      'CONTAINER_UID',
      'USE_PROD_LOGGING',
      'LOG_LEVEL',
      'SENTRY_DSN',
      'LOGZIO_TOKEN',
      'LOGZIO_LISTENER_URL',
      'ECS_BRIDGE',
      'ECS_CONFIG_FILE',
      'ECS_BRIDGE_SOCKET',
      'ECS_AGENT_IMAGE',
      'ECS_AGENT_LOG_DIR',
      'ECS_AGENT_DATA_DIR',
      'ECS_AGENT_CONFIG_DIR',
      'AWS_EC2_METADATA_SERVICE_ENDPOINT',
      'DOCKER_HOST',
      'MOUNT_ALLOWED_ROOTS',
      'API_MAX_CONNECTIONS',
      'API_MAX_CONNECTIONS_PER_ADDRESS',
    ]) {
      expect(help).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
    expect(help).toContain('default: testwebserverauthsecretdev (localdev only)');
  });
});

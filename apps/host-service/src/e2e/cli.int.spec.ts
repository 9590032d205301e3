import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemon } from '../../test/e2e/daemon-process';
import { makeTempRoot, mountsUnder, removeTempRoot } from '../../test/e2e/temp-root';

/** The built main.js before it serves anything: flags, settings and pre-flight checks. */
describe('main.js command line', () => {
  let root: string;
  beforeAll(async () => {
    root = await makeTempRoot('cli');
  });
  afterAll(() => removeTempRoot(root));

  it('prints the version and the git commit it was built from', async () => {
    const d = startDaemon({}, ['--version']);
    expect(await d.exited).toBe(0);
    expect(d.output()).toMatch(/^host-service \d+\.\d+\.\d+ \(commit [0-9a-f]{7,40}(-dirty)?\)\n$/);
  });

  it('lists every setting in --help', async () => {
    const d = startDaemon({}, ['--help']);
    expect(await d.exited).toBe(0);
    for (const name of [
      'APP_ENV',
      'HOST_SERVICE_PORT',
      'WEBSERVER_AUTH_SECRET',
      'UINPUT',
      'ECS_BRIDGE',
      'DOCKER_HOST',
    ]) {
      expect(d.output()).toContain(`  ${name} `);
    }
  });

  it('rejects unknown arguments with exit code 2', async () => {
    const d = startDaemon({}, ['--port=1']);
    expect(await d.exited).toBe(2);
    expect(d.output()).toContain('host-service: unknown arguments: --port=1');
  });

  it('reports every invalid setting and exits 78 (EX_CONFIG: the unit does not restart it)', async () => {
    const d = startDaemon({ APP_ENV: 'production', UINPUT: 'maybe' });
    expect(await d.exited).toBe(78);
    expect(d.output()).toBe(
      'host-service: invalid settings:\n' +
        '  WEBSERVER_AUTH_SECRET is required when APP_ENV is production\n' +
        '  UINPUT must be one of auto, required, off (got "maybe")\n',
    );
  });

  it('refuses to run as a normal user', async () => {
    const d = startDaemon(
      { APP_ENV: 'localdev', FRACTAL_DIR: join(root, 'f1'), FRACTAL_PRIVATE_DIR: join(root, 'p1') },
      [],
      {
        uid: 65534,
        gid: 65534,
      },
    );
    expect(await d.exited).toBe(1);
    expect(d.output()).toContain('host-service: the host service must run as root (running as uid 65534)');
  });

  it('refuses a FRACTAL_DIR left by an earlier run and leaves it alone', async () => {
    const stale = join(root, 'stale');
    await mkdir(join(stale, 'abc123'), { recursive: true });
    const d = startDaemon({ APP_ENV: 'localdev', FRACTAL_DIR: stale, FRACTAL_PRIVATE_DIR: join(root, 'p2') });
    expect(await d.exited).toBe(1);
    expect(d.output()).toContain(`host-service: FRACTAL_DIR ${stale} already exists`);
    expect(d.output()).toContain(`rm -rf ${stale}`);
    await expect(mkdir(join(stale, 'abc123'))).rejects.toMatchObject({ code: 'EEXIST' });
  });

  it('fails start-up cleanly when the ECS bridge is on without an ECS config file', async () => {
    const d = startDaemon({
      APP_ENV: 'localdev',
      FRACTAL_DIR: join(root, 'f3'),
      FRACTAL_PRIVATE_DIR: join(root, 'p3'),
      HOST_SERVICE_HOST: '127.0.0.1',
      HOST_SERVICE_PORT: '1',
      ECS_BRIDGE: 'on',
      ECS_CONFIG_FILE: join(root, 'missing-ecs.config'),
      UINPUT: 'off',
    });
    expect(await d.exited).toBe(1);
    expect(d.output()).toContain(
      `host-service: cannot read ECS_CONFIG_FILE ${join(root, 'missing-ecs.config')}`,
    );
    await expect(readdir(join(root, 'f3'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(readdir(join(root, 'p3'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await mountsUnder(root)).toEqual([]);
  });
});

import Dockerode from 'dockerode';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, putJson, startDaemon } from '../../test/e2e/daemon-process';
import {
  IMAGE,
  SECRET,
  rawPut,
  removeInstanceContainers,
  sClient,
  startLocaldev,
} from '../../test/e2e/hostile-support';
import type { LocaldevDaemon } from '../../test/e2e/hostile-support';
import { makeTempRoot, removeTempRoot } from '../../test/e2e/temp-root';

/** Issue 13 as an attacker on the network and a careless operator, against the built daemon. */
describe('hostile input and safe defaults', () => {
  const docker = new Dockerode();
  let root: string;
  let allowed: string;
  let d: LocaldevDaemon;

  beforeAll(async () => {
    root = await makeTempRoot('hostile');
    allowed = join(root, 'protocol-builds');
    await mkdir(join(allowed, 'build'), { recursive: true });
    await symlink('/etc', join(allowed, 'etc-link'));
    d = await startLocaldev(root, 'input', { MOUNT_ALLOWED_ROOTS: allowed });
  }, 90_000);

  afterAll(async () => {
    await d?.daemon.kill();
    if (d) await removeInstanceContainers(docker, d.fractalDir);
    await removeTempRoot(root);
  });

  it('refuses to start when APP_ENV is unset, naming it and its values', async () => {
    const p = startDaemon({
      APP_ENV: undefined, // the harness's default is localdev
      HOST_SERVICE_HOST: '127.0.0.1',
      HOST_SERVICE_PORT: String(await freePort()),
      FRACTAL_DIR: join(root, 'noenv-f'),
      FRACTAL_PRIVATE_DIR: join(root, 'noenv-p'),
      UINPUT: 'off',
    });
    const code = await Promise.race([
      p.exited,
      new Promise((r) => setTimeout(() => r('still running'), 20_000)),
    ]);
    await p.kill();
    expect(code).toBe(78); // EX_CONFIG: the unit does not restart into the same error
    expect(p.output()).toContain(
      'APP_ENV must be set to one of localdev, development, staging, production (it is unset or empty)',
    );
  });

  describe('mount_command', () => {
    const spinUp = (mountCommand: string) =>
      putJson(d.port, '/spin_up_container', {
        auth_secret: SECRET,
        app_name: 'mount-test',
        app_image: IMAGE,
        mount_command: mountCommand,
        protocol_timeout: 60,
      });

    it.each([
      '/',
      '/etc',
      '/proc',
      '/sys',
      '/dev',
      '/boot',
      '/root',
      '/run',
      '/var/run',
      '/var/lib/docker',
      '/var/run/docker.sock',
      '/run/containerd/containerd.sock',
      '/var', // contains /var/run and /var/lib/docker
    ])('always refuses %s with a 406 naming the rule', async (src) => {
      const answer = await spinUp(`-v ${src}:/host:rw`);
      expect(answer.status).toBe(406);
      expect((answer.body as { error: string }).error).toMatch(/always refused/);
    });

    it.each([
      ['FRACTAL_DIR', () => d.fractalDir],
      ['FRACTAL_PRIVATE_DIR', () => d.privateDir],
      ['the config store', () => d.store],
    ])('always refuses %s', async (name, path) => {
      const answer = await spinUp(`-v ${path()}:/x`);
      expect(answer.status).toBe(406);
      expect((answer.body as { error: string }).error).toContain(`${name}`);
    });

    it('refuses a symlink inside an allowed root that leads out of it', async () => {
      const answer = await spinUp(`-v ${allowed}/etc-link:/x:ro`);
      expect(answer.status).toBe(406);
      expect((answer.body as { error: string }).error).toContain('(really /etc) is or contains /etc');
    });

    it('refuses a source outside MOUNT_ALLOWED_ROOTS', async () => {
      const answer = await spinUp(`-v /usr/share:/x:ro`);
      expect(answer.status).toBe(406);
      expect((answer.body as { error: string }).error).toContain('is not under MOUNT_ALLOWED_ROOTS');
    });

    it('binds a source under an allowed root', async () => {
      const answer = await spinUp(`-v ${allowed}/build:/build:ro`);
      expect(answer.status).toBe(200);
      const info = await docker.getContainer((answer.body as { result: string }).result).inspect();
      expect(info.HostConfig.Binds).toEqual(expect.arrayContaining([`${allowed}/build:/build:ro`]));
      expect(info.Config.Labels['fractal.dir']).toBe(d.fractalDir);
    }, 60_000);
  });

  describe('TLS', () => {
    it.each([
      ['CBC with SHA-1', 'ECDHE-ECDSA-AES128-SHA'],
      ['CBC with SHA-256', 'ECDHE-ECDSA-AES128-SHA256'],
      ['CBC with SHA-384', 'ECDHE-ECDSA-AES256-SHA384'],
      ['CCM', 'ECDHE-ECDSA-AES128-CCM'],
      ['CCM8', 'ECDHE-ECDSA-AES128-CCM8'],
      ['ARIA', 'ECDHE-ECDSA-ARIA128-GCM-SHA256'],
    ])('refuses TLS 1.2 %s (%s)', async (_family, cipher) => {
      const r = await sClient(d.port, ['-tls1_2', '-cipher', `${cipher}@SECLEVEL=0`]);
      expect(r.code).not.toBe(0);
    });

    it.each([
      'ECDHE-ECDSA-AES128-GCM-SHA256',
      'ECDHE-ECDSA-AES256-GCM-SHA384',
      'ECDHE-ECDSA-CHACHA20-POLY1305',
    ])('accepts TLS 1.2 %s', async (cipher) => {
      const r = await sClient(d.port, ['-tls1_2', '-cipher', cipher]);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`Cipher is ${cipher}`);
    });

    it('accepts TLS 1.3 and refuses TLS 1.1', async () => {
      expect((await sClient(d.port, ['-tls1_3'])).code).toBe(0);
      expect((await sClient(d.port, ['-tls1_1', '-cipher', 'ALL@SECLEVEL=0'])).code).not.toBe(0);
    });
  });

  describe('routes match the path exactly as sent', () => {
    // Authorised but incomplete: a 400 proves the spin-up route was reached, a 404 that it was not.
    const body = JSON.stringify({ auth_secret: SECRET });

    it('reaches the route with the plain path', async () => {
      expect((await rawPut(d.port, '/spin_up_container', body)).status).toBe(400);
    });

    it.each([
      '/x/%2e%2e/spin_up_container',
      '/x/%2E%2E/spin_up_container',
      '/x/../spin_up_container',
      '/./spin_up_container',
      '/spin%5Fup_container',
      '//spin_up_container',
      'https://evil/spin_up_container',
      'http://127.0.0.1/spin_up_container',
    ])('answers 404 to %s', async (target) => {
      const answer = await rawPut(d.port, target, body);
      expect(answer.status).toBe(404);
    });
  });

  describe('ids', () => {
    const token = (userId: string) =>
      rawPut(
        d.port,
        '/set_config_encryption_token',
        `{"host_port":40000,"user_id":"${userId}","config_encryption_token":"t","client_app_auth_secret":"s"}`,
      );

    it.each([
      ['a lone high surrogate', '\\ud800', 'lone surrogate'],
      ['another lone high surrogate', '\\udbff', 'lone surrogate'],
      ['a lone low surrogate', 'a\\udc00', 'lone surrogate'],
      ['a bidi override', 'admin\\u202etxt', 'invisible format character'],
      ['a bidi isolate', '\\u2066user', 'invisible format character'],
      ['a zero-width space', 'us\\u200ber', 'invisible format character'],
      ['a zero-width joiner', 'user\\u200d', 'invisible format character'],
      ['a decomposed (NFD) accent', 'Jose\\u0301', 'NFC'],
    ])('refuses %s with a 400', async (_what, escaped, why) => {
      const answer = await token(escaped);
      expect(answer.status).toBe(400);
      expect(answer.text).toContain(why);
    });

    it('accepts an NFC id with non-ASCII letters (then 406: no such container)', async () => {
      const answer = await token('Jos\\u00e9 \\ud83d\\ude00');
      expect(answer.status).toBe(406);
    });

    it('echoes at most a short escaped prefix of a 5,000-character id', async () => {
      const answer = await token(`\\u202e${'A'.repeat(4999)}`);
      expect(answer.status).toBe(400);
      const error = JSON.parse(answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4)) as { error: string };
      expect(error.error).toContain('5000 chars');
      expect(error.error).not.toContain('A'.repeat(100));
      expect(error.error).not.toContain('\u202e');
      expect(error.error.length).toBeLessThan(400);
    });
  });
});

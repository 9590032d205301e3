import { chmod, mkdir, readFile, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VERSION, extractRelease, removeTempDir, runProgram, tempDir, treeListing } from '../test/release';

const UNIT = 'fractal-host-service.service';

/** install.sh staging an image root (`--root`), as an AMI build does. */
describe('install.sh --root', () => {
  let dir: string;
  let top: string;
  let root: string;

  beforeAll(async () => {
    dir = await tempDir('install');
    top = await extractRelease(dir);
    root = join(dir, 'image');
    await runProgram('mkdir', ['-p', root]);
  });
  afterAll(async () => {
    await removeTempDir(dir);
  });

  it('lays out the version, current, the unit and the env file, and a second run changes nothing', async () => {
    const first = await runProgram(join(top, 'install.sh'), ['--root', root]);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    const prefix = join(root, 'opt', 'fractal', 'host-service');
    expect(await readlink(join(prefix, 'current'))).toBe(VERSION);
    expect((await stat(join(prefix, 'current', 'bin', 'host-service'))).isFile()).toBe(true);
    const unit = join(root, 'etc', 'systemd', 'system', UNIT);
    expect(await readFile(unit, 'utf8')).toBe(await readFile(join(top, 'systemd', UNIT), 'utf8'));
    expect(await readlink(join(root, 'etc', 'systemd', 'system', 'multi-user.target.wants', UNIT))).toBe(
      `../${UNIT}`,
    );
    const envFile = join(root, 'etc', 'fractal', 'host-service.env');
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    const installed = await runProgram(join(prefix, 'current', 'bin', 'host-service'), ['--version'], {
      env: {},
    });
    expect(installed.stdout).toContain(`host-service ${VERSION} `);

    const before = await treeListing(root);
    const second = await runProgram(join(top, 'install.sh'), ['--root', root]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('is already installed');
    expect(await treeListing(root)).toEqual(before);
  });

  it('removes what an install killed mid-copy left behind', async () => {
    const prefix = join(root, 'opt', 'fractal', 'host-service');
    await mkdir(join(prefix, `.install-${VERSION}.killed`, 'lib'), { recursive: true });
    expect((await runProgram(join(top, 'install.sh'), ['--root', root])).code).toBe(0);
    expect((await readdir(prefix)).filter((e) => e.startsWith('.install-'))).toEqual([]);
  });

  it("never overwrites the host's settings file", async () => {
    const envFile = join(root, 'etc', 'fractal', 'host-service.env');
    await writeFile(envFile, 'APP_ENV=staging\nWEBSERVER_AUTH_SECRET=s3cret\n');
    await chmod(envFile, 0o600);
    expect((await runProgram(join(top, 'install.sh'), ['--root', root])).code).toBe(0);
    expect(await readFile(envFile, 'utf8')).toBe('APP_ENV=staging\nWEBSERVER_AUTH_SECRET=s3cret\n');
  });

  it('repairs a damaged installed copy and refuses to install from a damaged release', async () => {
    const installedMain = join(root, 'opt', 'fractal', 'host-service', VERSION, 'lib', 'main.js');
    await writeFile(installedMain, 'damaged');
    const repair = await runProgram(join(top, 'install.sh'), ['--root', root]);
    expect(repair.code).toBe(0);
    expect(repair.stdout).toContain(`installed ${join(root, 'opt', 'fractal', 'host-service', VERSION)}`);
    expect(await readFile(installedMain, 'utf8')).toBe(await readFile(join(top, 'lib', 'main.js'), 'utf8'));

    await writeFile(join(top, 'VERSION'), `${VERSION}\n`); // unchanged bytes: still intact
    const original = await readFile(join(top, 'README.md'), 'utf8');
    await writeFile(join(top, 'README.md'), 'tampered');
    try {
      const refused = await runProgram(join(top, 'install.sh'), ['--root', root]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('does not match its SHA256SUMS');
    } finally {
      await writeFile(join(top, 'README.md'), original);
    }
  });

  it('rejects unknown arguments and a --root that is not a directory', async () => {
    expect(await runProgram(join(top, 'install.sh'), ['--bogus'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('unknown argument: --bogus'),
    });
    expect(await runProgram(join(top, 'install.sh'), ['--root', join(dir, 'nope')])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('is not a directory'),
    });
  });

  it('installs a unit that systemd-analyze verify accepts, warnings included', async () => {
    // verify checks ExecStart exists and resolves Requires= against the host's units (docker.io's
    // docker.service): point ExecStart into the staged root and verify the unit from a side dir.
    const unit = await readFile(join(root, 'etc', 'systemd', 'system', UNIT), 'utf8');
    const side = join(dir, 'verify');
    await mkdir(side);
    await writeFile(join(side, UNIT), unit.replace(/^ExecStart=\/opt\//m, `ExecStart=${root}/opt/`));
    const verify = await runProgram('systemd-analyze', ['verify', join(side, UNIT)], {
      env: { ...process.env, SYSTEMD_UNIT_PATH: `${side}:`, SYSTEMD_LOG_LEVEL: 'notice' },
    });
    expect({ code: verify.code, output: verify.stdout + verify.stderr }).toEqual({ code: 0, output: '' });
  });

  it('is a test that can fail: verify reports a bad unit', async () => {
    const side = join(dir, 'verify-bad');
    await mkdir(side);
    const unit = await readFile(join(top, 'systemd', UNIT), 'utf8');
    await writeFile(join(side, UNIT), unit.replace('KillMode=mixed', 'KillMode=containers'));
    const verify = await runProgram('systemd-analyze', ['verify', join(side, UNIT)], {
      env: { ...process.env, SYSTEMD_UNIT_PATH: `${side}:`, SYSTEMD_LOG_LEVEL: 'notice' },
    });
    expect(verify.stdout + verify.stderr).toContain('Failed to parse kill mode');
  });
});

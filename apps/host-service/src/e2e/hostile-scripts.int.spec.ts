import Dockerode from 'dockerode';
import { execFile, spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, putJson } from '../../test/e2e/daemon-process';
import { waitFor } from '../../test/e2e/docker-cli';
import { IMAGE, SECRET, removeInstanceContainers, startLocaldev } from '../../test/e2e/hostile-support';
import type { LocaldevDaemon } from '../../test/e2e/hostile-support';
import { makeTempRoot, removeTempRoot } from '../../test/e2e/temp-root';

const REPO = join(__dirname, '..', '..', '..', '..');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(
  cmd: string,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      [...args],
      { cwd: REPO, env: { ...process.env, ...env }, timeout: timeoutMs },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
      },
    );
  });
}

async function spinUp(d: LocaldevDaemon): Promise<string> {
  const answer = await putJson(d.port, '/spin_up_container', {
    auth_secret: SECRET,
    app_name: 'scripts-app',
    app_image: IMAGE,
    mount_command: '',
    protocol_timeout: -1,
  });
  expect(answer.status).toBe(200);
  return (answer.body as { result: string }).result;
}

/** The project's own scripts on a host shared with other daemons and other engines' users. */
describe('scripts safe on shared hosts', () => {
  const docker = new Dockerode();
  let root: string;
  const daemons: LocaldevDaemon[] = [];

  beforeAll(async () => {
    root = await makeTempRoot('hostile-scripts');
  });

  afterAll(async () => {
    for (const d of daemons) {
      await d.daemon.kill();
      await removeInstanceContainers(docker, d.fractalDir);
    }
    await removeTempRoot(root);
  });

  it('ensure-engine.sh with a wrong DOCKER_HOST leaves the answering engine alone', async () => {
    const socketBefore = await stat('/var/run/docker.sock');
    const pgrep = (): Promise<Run> => run('pgrep', ['-x', 'dockerd'], {});
    const enginesBefore = (await pgrep()).stdout;
    const r = await run('tools/docker/ensure-engine.sh', [], {
      DOCKER_HOST: `unix://${join(root, 'nothing-here.sock')}`,
      DOCKERD_WAIT_S: '5',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('but an engine answers on /var/run/docker.sock');
    const socketAfter = await stat('/var/run/docker.sock');
    expect(socketAfter.isSocket()).toBe(true);
    expect(socketAfter.ino).toBe(socketBefore.ino);
    expect((await pgrep()).stdout).toBe(enginesBefore);
  });

  describe('npm run start:localdev', () => {
    let live: LocaldevDaemon;
    let liveContainer: string;
    const envOf = (d: LocaldevDaemon): Record<string, string> => ({
      FRACTAL_DIR: d.fractalDir,
      FRACTAL_PRIVATE_DIR: d.privateDir,
      USER_CONFIGS_DIR: d.store,
      HOST_SERVICE_HOST: '127.0.0.1',
      UINPUT: 'off',
    });

    beforeAll(async () => {
      live = await startLocaldev(root, 'live');
      daemons.push(live);
      liveContainer = await spinUp(live);
    }, 90_000);

    it.each([
      ['-- --clean', ['run', 'start:localdev', '--', '--clean'], true],
      ['--clean (npm_config_clean)', ['run', 'start:localdev', '--clean'], true],
      ['without --clean', ['run', 'start:localdev'], false],
    ])('%s refuses while the daemon lives, touching nothing', async (_how, args, npmClean) => {
      const port = await freePort();
      const r = await run('npm', args, { ...envOf(live), HOST_SERVICE_PORT: String(port) });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`a host service (pid ${live.daemon.child.pid}) is running`);
      if (args.includes('--clean') && !args.includes('--')) expect(r.stderr).toContain('npm_config_clean');
      if (!npmClean) expect(r.stderr).not.toContain('--clean');
      expect(live.daemon.child.exitCode).toBeNull();
      expect((await docker.getContainer(liveContainer).inspect()).State.Running).toBe(true);
      expect((await stat(live.fractalDir)).isDirectory()).toBe(true);
    });

    it('--clean after a crash removes only that FRACTAL_DIR, its mount and its containers', async () => {
      const crashed = await startLocaldev(root, 'crashed');
      daemons.push(crashed);
      const crashedContainer = await spinUp(crashed);
      await crashed.daemon.kill(); // SIGKILL: FRACTAL_DIR, its mount, the container and the pidfile stay
      const port = await freePort();
      // The script itself, not through npm: npm does not pass SIGTERM on to the daemon it execs.
      const child = spawn('tools/run-localdev.sh', ['--clean'], {
        cwd: REPO,
        env: { ...process.env, ...envOf(crashed), HOST_SERVICE_PORT: String(port), LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<number | null>((r) => child.on('close', r));
      try {
        await waitFor(
          'the cleaned daemon to serve',
          () => {
            if (child.exitCode !== null) throw new Error(`start:localdev exited ${child.exitCode}:\n${out}`);
            return out.includes('host service ready') ? true : undefined;
          },
          240_000,
        ).catch((err: Error) => {
          throw new Error(`${err.message}\n${out.slice(-3000)}`);
        });
        await expect(docker.getContainer(crashedContainer).inspect()).rejects.toMatchObject({
          statusCode: 404,
        });
        expect((await docker.getContainer(liveContainer).inspect()).State.Running).toBe(true);
        expect(out).toContain(`removing ${crashed.fractalDir} from an earlier run`);
      } finally {
        // The script execs the daemon: this is its pid.
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    }, 300_000);
  });
});

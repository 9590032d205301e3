import Dockerode from 'dockerode';
import { removeLabelled } from '@tools/testing';
import { execFile } from 'node:child_process';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, putJson, startDaemon } from './daemon-process';
import type { DaemonProcess } from './daemon-process';
import { waitFor } from './docker-cli';

export const SECRET = 'testwebserverauthsecretdev';
export const APP = 'test-app';

export interface Spun {
  dockerId: string;
  fractalId: string;
  hostPort: number;
  tty: string;
}

/** One host: a FRACTAL_DIR and private dir that successive daemons (restarts) share. */
export class RecoveryHost {
  readonly docker = new Dockerode();
  readonly fractalDir: string;
  readonly privateDir: string;
  readonly store: string;
  readonly daemons: DaemonProcess[] = [];
  port = 0;

  constructor(readonly root: string) {
    this.fractalDir = join(root, 'fractal');
    this.privateDir = join(root, 'private');
    this.store = join(root, 'private', 'user-configs');
  }

  async start(extraEnv: Record<string, string> = {}): Promise<DaemonProcess> {
    this.port = await freePort();
    const d = startDaemon({
      HOST_SERVICE_PORT: String(this.port),
      HOST_SERVICE_HOST: '127.0.0.1',
      FRACTAL_DIR: this.fractalDir,
      FRACTAL_PRIVATE_DIR: this.privateDir,
      UINPUT: 'off',
      ...extraEnv,
    });
    this.daemons.push(d);
    await d.waitForLog('host service ready');
    return d;
  }

  get daemon(): DaemonProcess {
    const d = this.daemons.at(-1);
    if (!d) throw new Error('no daemon started');
    return d;
  }

  async spin(): Promise<Spun> {
    const res = await putJson(this.port, '/spin_up_container', {
      auth_secret: SECRET,
      app_name: APP,
      app_image: 'fractal/test-protocol:latest',
      mount_command: '',
      protocol_timeout: 60,
    });
    if (res.status !== 200) throw new Error(`spin-up answered ${res.status}: ${JSON.stringify(res.body)}`);
    const info = await this.docker.getContainer((res.body as { result: string }).result).inspect();
    const fractalId = info.Config.Labels['fractal.id'];
    const hostPort = Number(info.NetworkSettings.Ports['32262/tcp']?.[0]?.HostPort);
    const tty = await this.resource(fractalId, 'tty');
    return { dockerId: info.Id, fractalId, hostPort, tty };
  }

  /** Start values, then the token; resolves with the token request's answer (the daemon may die). */
  async makeReady(c: Spun, user: string, token: string): Promise<number> {
    const common = { host_port: c.hostPort, user_id: user, client_app_auth_secret: 'cs' };
    const values = await putJson(this.port, '/set_container_start_values', {
      ...common,
      auth_secret: SECRET,
      dpi: 96,
      container_ARN: 'arn',
    });
    if (values.status !== 200) throw new Error(`start values answered ${values.status}`);
    const answer = await putJson(this.port, '/set_config_encryption_token', {
      ...common,
      config_encryption_token: token,
    }).catch(() => ({ status: 0 }));
    return answer.status;
  }

  resource(fractalId: string, name: string): Promise<string> {
    return import('node:fs/promises').then((fs) =>
      fs.readFile(join(this.fractalDir, fractalId, 'containerResourceMappings', name), 'utf8'),
    );
  }

  unpacked(fractalId: string): string {
    return join(this.fractalDir, fractalId, 'userConfigs', 'unpacked_configs');
  }

  archive(user: string): string {
    return join(this.store, user, APP, 'fractal-app-config.tar.lz4.enc');
  }

  /** Containers of this host on the engine (its own FRACTAL_DIR label). */
  async ours(): Promise<Dockerode.ContainerInfo[]> {
    return this.docker.listContainers({ all: true, filters: { label: [`fractal.dir=${this.fractalDir}`] } });
  }

  async checkpoints(): Promise<string[]> {
    return (await readdir(join(this.privateDir, 'containers')).catch(() => [])).filter((n) =>
      n.endsWith('.json'),
    );
  }

  /** Backups logged by every daemon this host ran: "saved exactly once" counts these. */
  backups(fractalId: string): number {
    return this.daemons
      .flatMap((d) => d.logLines())
      .filter((l) => l.msg === 'user config backed up' && l.fractalId === fractalId).length;
  }

  async waitGone(c: Spun): Promise<void> {
    await waitFor(
      `container ${c.fractalId} cleaned up`,
      async () => {
        const dirGone = await stat(join(this.fractalDir, c.fractalId)).then(
          () => false,
          () => true,
        );
        const checkpoint = (await this.checkpoints()).includes(`${c.fractalId}.json`);
        const onEngine = (await this.ours()).some((x) => x.Id === c.dockerId);
        return dirGone && !checkpoint && !onEngine ? true : undefined;
      },
      60_000,
    );
  }

  /** Opens the saved archive the way an operator would: openssl | lz4 | tar. */
  async openWithClis(user: string, token: string): Promise<string> {
    const out = join(this.root, `opened-${user}`);
    await mkdir(out, { recursive: true });
    await new Promise<void>((resolve, reject) =>
      execFile(
        'sh',
        [
          '-c',
          `openssl enc -d -aes-256-cbc -pbkdf2 -pass pass:"$TOKEN" -in "$ARCHIVE" | lz4 -d | tar -x -C "$OUT"`,
        ],
        { env: { ...process.env, TOKEN: token, ARCHIVE: this.archive(user), OUT: out } },
        (err, _stdout, stderr) => (err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve()),
      ),
    );
    return out;
  }

  async cleanup(): Promise<void> {
    for (const d of this.daemons) await d.kill();
    await removeLabelled(this.docker, `fractal.dir=${this.fractalDir}`);
  }
}

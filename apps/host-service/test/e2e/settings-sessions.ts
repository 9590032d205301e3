import type Dockerode from 'dockerode';
import { readFile, stat } from 'node:fs/promises';
import { createServer, createConnection, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import { unpackConfigArchive } from '@fractal/userconfigs';
import { S3ConfigStore } from '@fractal/userconfigs/s3';
import { startS3rver } from '@tools/testing';
import type { S3rverStandIn } from '@tools/testing';
import { putJson, startDaemon, type DaemonProcess } from './daemon-process';
import { waitFor } from './docker-cli';

export { removeContainers } from '@tools/testing';

export const BUCKET = 'fractal-user-app-configs';
const SECRET = 'testwebserverauthsecretdev';
const IMAGE = 'fractal/test-protocol:latest';

/** s3rver on 127.0.0.1 with the settings bucket, keeping its objects in `dir`; `port` 0 picks one. */
export function startS3(dir: string, port = 0): Promise<S3rverStandIn> {
  return startS3rver(dir, BUCKET, port);
}

/** The stored archive's settings.ini for `userId`'s settings-app, read back through the library. */
export async function storedSettings(
  s3Port: number,
  root: string,
  userId: string,
  token: string,
): Promise<string> {
  const store = new S3ConfigStore({
    bucket: BUCKET,
    clientConfig: {
      endpoint: `http://127.0.0.1:${s3Port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    },
  });
  const body = await store.get({ userId, appName: 'settings-app' });
  if (!body) throw new Error('nothing stored yet');
  const dir = join(root, `check-${Math.random()}`);
  await unpackConfigArchive(body as Readable, token, dir);
  return readFile(join(dir, 'settings.ini'), 'utf8');
}

/** A TCP forwarder to `target` that can be switched off (connections refused) and on again. */
export class Forwarder {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly target: number,
  ) {}

  async on(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = createConnection(this.target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server?.listen(this.port, '127.0.0.1', resolve));
  }

  async off(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
    this.server = undefined;
  }
}

/** A localdev daemon on its own dirs that keeps configs in S3 behind `s3Port`. */
export function startSettingsDaemon(
  root: string,
  name: string,
  port: number,
  s3Port: number,
  nodeFlags?: readonly string[],
  env: Record<string, string> = {},
): DaemonProcess {
  return startDaemon(
    {
      HOST_SERVICE_PORT: String(port),
      HOST_SERVICE_HOST: '127.0.0.1',
      FRACTAL_DIR: join(root, `${name}-fractal`),
      FRACTAL_PRIVATE_DIR: join(root, `${name}-private`),
      UINPUT: 'off',
      USER_CONFIGS_BUCKET: BUCKET,
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${s3Port}`,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      AWS_MAX_ATTEMPTS: '1',
      ...env,
    },
    [],
    { nodeFlags },
  );
}

export interface Session {
  dockerId: string;
  fractalId: string;
  unpacked: string;
  fractalDir: string;
}

/**
 * Spin-up, start values, token, and `.ready`: a session as the webserver and client app run it.
 * The daemon answers the token once the restore is done: `awaitToken: false` returns as soon as the
 * token is sent, while the restore runs.
 */
export async function startSession(
  docker: Dockerode,
  port: number,
  fractalDir: string,
  user: { userId: string; token: string },
  track: string[],
  options: { awaitToken?: boolean } = {},
): Promise<Session> {
  const spinUp = (): ReturnType<typeof putJson> =>
    putJson(port, '/spin_up_container', {
      auth_secret: SECRET,
      app_name: 'settings-app',
      app_image: IMAGE,
      mount_command: '',
      protocol_timeout: 120,
    });
  let spun = await spinUp();
  // The engine is shared with other test runs: a port Docker still holds for one of theirs is
  // released by the daemon, which then picks another.
  for (let i = 0; i < 3 && /already allocated/.test(JSON.stringify(spun.body)); i++) spun = await spinUp();
  if (spun.status !== 200) throw new Error(`spin-up failed: ${JSON.stringify(spun)}`);
  const dockerId = (spun.body as { result: string }).result;
  track.push(dockerId);
  const info = await docker.getContainer(dockerId).inspect();
  const fractalId = info.Config.Labels['fractal.id'];
  const hostPort = Number(info.NetworkSettings.Ports['32262/tcp']?.[0]?.HostPort);
  const common = { host_port: hostPort, user_id: user.userId, client_app_auth_secret: 'client-secret' };
  await putJson(port, '/set_container_start_values', {
    ...common,
    auth_secret: SECRET,
    dpi: 96,
    container_ARN: '',
  });
  const session = {
    dockerId,
    fractalId,
    unpacked: join(fractalDir, fractalId, 'userConfigs', 'unpacked_configs'),
    fractalDir,
  };
  const tokenAnswer = putJson(port, '/set_config_encryption_token', {
    ...common,
    config_encryption_token: user.token,
  });
  if (options.awaitToken === false) {
    // The daemon answers once the restore is done; a test that kills it meanwhile gets no answer.
    tokenAnswer.catch(() => undefined);
    return session;
  }
  const token = await tokenAnswer;
  if (token.status !== 200) throw new Error(`token failed: ${JSON.stringify(token)}`);
  const ready = join(fractalDir, fractalId, 'containerResourceMappings', '.ready');
  await waitFor('.ready', async () => (await stat(ready)).isFile() || undefined, 120_000);
  return session;
}

/** Runs `cmd` in the container as the container user; resolves with its stdout and stderr. */
export async function execIn(docker: Dockerode, dockerId: string, cmd: string[]): Promise<string> {
  const exec = await docker.getContainer(dockerId).exec({
    Cmd: cmd,
    User: '1000:1000',
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({});
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  docker.modem.demuxStream(stream, out, out);
  await new Promise((resolve) => stream.on('end', resolve));
  return Buffer.concat(chunks).toString('utf8');
}

/** What the container itself reads at /fractal/userConfigs/<name> (through its bind mount). */
export function readInContainer(docker: Dockerode, dockerId: string, name: string): Promise<string> {
  return execIn(docker, dockerId, ['cat', `/fractal/userConfigs/${name}`]);
}

/** The container writes a settings file, then dies; resolves once its dirs are gone (saved). */
export async function endSession(docker: Dockerode, session: Session, settings: string): Promise<void> {
  const out = await execIn(docker, session.dockerId, [
    'sh',
    '-c',
    `printf '%s' '${settings}' > /fractal/userConfigs/settings.ini`,
  ]);
  const written = await readFile(join(session.unpacked, 'settings.ini'), 'utf8').catch(() => undefined);
  if (written !== settings) throw new Error(`the container could not write its settings: ${out}`);
  await docker.getContainer(session.dockerId).kill();
  await waitFor(
    'the container dirs to go',
    async () =>
      stat(join(session.fractalDir, session.fractalId)).then(
        () => undefined,
        () => true,
      ),
    120_000,
  );
}

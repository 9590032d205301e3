import Dockerode from 'dockerode';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { makeTempDir } from '../test/fake-engine';
import { docker, freePort, waitUntil } from '../test/docker-cli';
import { DockerInterposer } from './interposer';
import { RecordingCreateHook, RecordingLogger } from './testing';
import type { ContainerCreateBody } from './types';
import { removeLabelled } from '@tools/testing';

const IMAGE = 'fractal/test-protocol:latest';
const LABEL_KEY = 'fractal.test';
const LABEL_VALUE = `ecsagent-bridge-${process.pid}`; // per run: other runs may share the engine
const LABEL = `${LABEL_KEY}=${LABEL_VALUE}`;
const PLACEHOLDER = '%%FRACTAL_ID_PLACEHOLDER%%';

describe('DockerInterposer against the real engine', () => {
  const direct = new Dockerode({ socketPath: '/var/run/docker.sock' });
  let dir: string;
  let sock: string;
  let hook: RecordingCreateHook;
  let interposer: DockerInterposer;
  let via: Dockerode;
  let hostPort: number;
  let counter = 0;

  /** Does what the daemon's hook does, in miniature: host port, per-container bind dirs, a label. */
  const rewrite = async (body: ContainerCreateBody): Promise<ContainerCreateBody> => {
    const fid = `fid-${++counter}`;
    const hc = body.HostConfig ?? {};
    for (const bindings of Object.values(hc.PortBindings ?? {})) {
      for (const b of bindings) if (!b.HostPort || b.HostPort === '0') b.HostPort = String(hostPort);
    }
    hc.Binds = hc.Binds?.map((b) => b.split(PLACEHOLDER).join(fid));
    for (const m of hc.Mounts ?? []) {
      if (m.Source?.includes(PLACEHOLDER)) {
        m.Source = m.Source.split(PLACEHOLDER).join(fid);
        await fs.mkdir(m.Source, { recursive: true });
      }
    }
    return { ...body, HostConfig: hc, Labels: { ...body.Labels, 'fractal.hooked': fid } };
  };

  beforeAll(async () => {
    dir = await makeTempDir('ecsb-int-');
    sock = join(dir, 'run', 'ecs-docker.sock');
    hook = new RecordingCreateHook(rewrite);
    interposer = new DockerInterposer({ socketPath: sock, hook, logger: new RecordingLogger() });
    await interposer.start();
    via = new Dockerode({ socketPath: sock });
  });

  afterAll(async () => {
    await removeLabelled(direct, LABEL);
    await interposer.shutdown();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const runDetached = async (args: string[]): Promise<string> => {
    const r = await docker(sock, ['run', '-d', '--label', LABEL, ...args]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return r.stdout.trim();
  };

  it('docker run gets the hook’s host port, bind and label, and the hook learns the id', async () => {
    hostPort = await freePort();
    const id = await runDetached(['-p', '0:32262', '-v', `${dir}/${PLACEHOLDER}:/data`, IMAGE]);
    const info = await direct.getContainer(id).inspect();
    expect(info.HostConfig.PortBindings?.['32262/tcp']).toEqual([{ HostIp: '', HostPort: String(hostPort) }]);
    expect(info.NetworkSettings.Ports['32262/tcp']?.[0]?.HostPort).toBe(String(hostPort));
    const fid = info.Config.Labels['fractal.hooked'] as string;
    expect(info.HostConfig.Binds).toEqual([`${dir}/${fid}:/data`]);
    expect(info.Config.Labels[LABEL_KEY]).toBe(LABEL_VALUE);
    const rec = hook.creates.find((c) => c.outcome?.ok && c.outcome.id === id);
    expect(rec?.request.body.HostConfig?.Binds).toEqual([`${dir}/${PLACEHOLDER}:/data`]);
    await direct.getContainer(id).remove({ force: true });
  });

  it('dockerode: create keeps the name, Mounts are rewritten, hijacked attach carries stdin', async () => {
    const name = `ecsb-${process.pid}-${Date.now()}`;
    const container = await via.createContainer({
      name,
      Image: IMAGE,
      Cmd: ['cat'],
      OpenStdin: true,
      Labels: { [LABEL_KEY]: LABEL_VALUE },
      HostConfig: { Mounts: [{ Type: 'bind', Source: `${dir}/${PLACEHOLDER}/m`, Target: '/m' }] },
    });
    try {
      const info = await direct.getContainer(container.id).inspect();
      expect(info.Name).toBe(`/${name}`);
      expect(hook.creates.at(-1)?.request.name).toBe(name);
      const fid = info.Config.Labels['fractal.hooked'] as string;
      expect(info.Mounts.map((m) => m.Source)).toEqual([`${dir}/${fid}/m`]);

      const stream = (await container.attach({
        stream: true,
        stdin: true,
        stdout: true,
        stderr: true,
        hijack: true,
      })) as NodeJS.ReadWriteStream;
      let out = '';
      stream.on('data', (c: Buffer) => (out += c.toString('latin1')));
      await container.start();
      stream.write('ping-through-interposer\n');
      await waitUntil(() => out.includes('ping-through-interposer'), 10_000, 'attach echo');
    } finally {
      await direct.getContainer(container.id).remove({ force: true });
    }
  });

  it('docker logs -f streams while the container runs', async () => {
    const id = await runDetached([IMAGE, 'sh', '-c', 'echo one; sleep 1; echo two; sleep 0.5; echo three']);
    const r = await docker(sock, ['logs', '-f', id]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('one\ntwo\nthree\n');
    expect(r.durationMs - (r.firstOutputMs ?? r.durationMs)).toBeGreaterThan(700);
  });

  it('docker attach carries stdin and output', async () => {
    const id = await runDetached(['-i', IMAGE, 'sh', '-c', 'read x; echo got:$x']);
    const r = await docker(sock, ['attach', id], { input: 'hi\n', keepStdinOpen: true, timeoutMs: 20_000 });
    expect(r.stdout).toContain('got:hi');
  });

  it('docker exec with and without a TTY and with stdin answers as directly', async () => {
    const id = await runDetached([IMAGE]);
    for (const [args, input] of [
      [['exec', id, 'echo', 'hi'], undefined],
      [['exec', '-t', id, 'echo', 'hi'], undefined],
      [['exec', '-i', id, 'cat'], 'data through stdin\n'],
    ] as const) {
      const viaR = await docker(sock, [...args], input === undefined ? {} : { input });
      const directR = await docker(undefined, [...args], input === undefined ? {} : { input });
      expect({ code: viaR.code, out: viaR.stdout }).toEqual({ code: 0, out: directR.stdout });
    }
    expect((await docker(sock, ['exec', '-t', id, 'echo', 'hi'])).stdout).toBe('hi\r\n');
    expect((await docker(sock, ['exec', '-i', id, 'cat'], { input: 'abc\n' })).stdout).toBe('abc\n');
  });

  it('docker ps and docker events give the same as directly', async () => {
    const since = Math.floor(Date.now() / 1000) - 120;
    await runDetached([IMAGE, 'true']);
    const until = Math.floor(Date.now() / 1000) + 1;
    await new Promise((r) => setTimeout(r, 1100));
    const ps = [
      'ps',
      '-a',
      '--no-trunc',
      '--filter',
      `label=${LABEL}`,
      '--format',
      '{{.ID}} {{.Image}} {{.Names}} {{.Command}} {{.Label "fractal.hooked"}}',
    ];
    const events = [
      'events',
      '--since',
      String(since),
      '--until',
      String(until),
      '--filter',
      `label=${LABEL}`,
      '--format',
      '{{json .}}',
    ];
    for (const args of [ps, events]) {
      const viaR = await docker(sock, args);
      const directR = await docker(undefined, args);
      expect(viaR.code).toBe(0);
      expect(viaR.stdout.trim()).not.toBe('');
      expect(viaR.stdout).toBe(directR.stdout);
    }
  });

  it('docker import: a chunked request body and a streamed progress answer', async () => {
    const tag = `fractal/ecsb-import-test:${process.pid}`;
    const root = join(dir, 'rootfs');
    await fs.mkdir(root, { recursive: true });
    await fs.writeFile(join(root, 'hello.txt'), 'x'.repeat(200_000));
    const tar = execFileSync('tar', ['-C', root, '-c', '.']);
    try {
      const r = await docker(sock, ['import', '-', tag], { input: tar });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
      const image = await direct.getImage(tag).inspect();
      expect(`${image.Id}\n`).toBe(r.stdout);
    } finally {
      await direct
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
    }
  });

  it('a refused create reaches the hook as ok:false and the CLI shows Docker’s error', async () => {
    const before = hook.creates.length;
    const r = await docker(sock, [
      'create',
      '--pull',
      'never',
      '--label',
      LABEL,
      'fractal/does-not-exist:latest',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('No such image: fractal/does-not-exist:latest');
    expect(hook.creates.slice(before).map((c) => c.outcome)).toEqual([
      { ok: false, statusCode: 404, message: 'No such image: fractal/does-not-exist:latest' },
    ]);
  });

  // Go decodes percent-escapes and dockerd's version matcher is [0-9.]+: all of these create.
  it.each(['/v1.41.0/containers/create', '/containers/%63reate', '/containers%2Fcreate'])(
    'a create on %s, which dockerd accepts, goes through the hook',
    async (path) => {
      const body = JSON.stringify({ Image: IMAGE, Labels: { [LABEL_KEY]: LABEL_VALUE } });
      const answer = await new Promise<string>((resolve, reject) => {
        const req = httpRequest(
          { socketPath: sock, method: 'POST', path, headers: { 'Content-Type': 'application/json' } },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve(text));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      const id = (JSON.parse(answer) as { Id: string }).Id;
      const info = await direct.getContainer(id).inspect();
      expect(info.Config.Labels['fractal.hooked']).toMatch(/^fid-/);
    },
  );

  it('a hook refusal shows its message in the CLI and creates nothing', async () => {
    hook.refuseNext(409, 'no free TCP host port in 1025..49150 (test refusal)');
    const before = (await direct.listContainers({ all: true, filters: { label: [LABEL] } })).length;
    const r = await docker(sock, ['create', '--label', LABEL, IMAGE]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('no free TCP host port in 1025..49150 (test refusal)');
    expect((await direct.listContainers({ all: true, filters: { label: [LABEL] } })).length).toBe(before);
  });

  it('shutdown ends a running docker events stream and removes the socket', async () => {
    const sock2 = join(dir, 'second', 'docker.sock');
    const second = new DockerInterposer({ socketPath: sock2, hook });
    await second.start();
    const events = docker(sock2, ['events', '--filter', `label=${LABEL}`], { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 800));
    await second.shutdown();
    const r = await events;
    expect(r.durationMs).toBeLessThan(15_000);
    await expect(fs.stat(sock2)).rejects.toThrow(/ENOENT/);
  });
});

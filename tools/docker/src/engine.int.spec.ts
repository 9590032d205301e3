// Proves the test harness: the engine started by ensure-engine.sh answers, and the image built by
// build-test-image.sh behaves like the streaming protocol stand-in the other suites rely on.
import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const IMAGE = 'fractal/test-protocol:latest';
const LABEL = 'fractal.test';
const RUN = `docker-harness-${randomBytes(4).toString('hex')}`;

const docker = new Docker({ socketPath: '/var/run/docker.sock' });

async function removeOurContainers(): Promise<void> {
  const mine = await docker.listContainers({ all: true, filters: { label: [`${LABEL}=${RUN}`] } });
  await Promise.all(mine.map((c) => docker.getContainer(c.Id).remove({ force: true })));
}

async function logsOf(container: Docker.Container): Promise<string> {
  const buf = await container.logs({ stdout: true, stderr: true, follow: false });
  return Buffer.isBuffer(buf) ? buf.toString('utf8') : String(buf);
}

async function waitForLog(container: Docker.Container, text: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const logs = await logsOf(container);
    if (logs.includes(text)) return logs;
    if (Date.now() > deadline) throw new Error(`container log never showed "${text}"; log so far:\n${logs}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Docker engine and fractal/test-protocol image', () => {
  let resourceDir: string;

  beforeAll(async () => {
    resourceDir = await mkdtemp(join(tmpdir(), 'fractal-harness-'));
  });

  afterAll(async () => {
    await removeOurContainers();
    await rm(resourceDir, { recursive: true, force: true });
  });

  it('answers and has the test image', async () => {
    expect(await docker.ping()).toBeTruthy();
    const image = await docker.getImage(IMAGE).inspect();
    expect(image.Config.Cmd).toEqual(['/usr/bin/test-protocol']);
  });

  it('creates, starts, inspects, reads logs, kills and removes a container', async () => {
    await writeFile(join(resourceDir, 'DPI'), '96');
    await writeFile(join(resourceDir, 'tty'), '11');
    const container = await docker.createContainer({
      Image: IMAGE,
      Labels: { [LABEL]: RUN },
      HostConfig: { Binds: [`${resourceDir}:/fractal/resourceMappings:ro`] },
    });
    await container.start();

    const running = await container.inspect();
    expect(running.State.Running).toBe(true);
    expect(running.Config.Labels[LABEL]).toBe(RUN);
    await waitForLog(container, 'waiting for /fractal/resourceMappings/.ready');

    await writeFile(join(resourceDir, '.ready'), '');
    const logs = await waitForLog(container, 'test-protocol: tty=11');
    expect(logs).toContain('test-protocol: DPI=96');

    await container.kill({ signal: 'SIGKILL' });
    const dead = await container.wait();
    expect(dead.StatusCode).toBe(137);
    await container.remove();
    await expect(container.inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('exits promptly on SIGTERM', async () => {
    const container = await docker.createContainer({ Image: IMAGE, Labels: { [LABEL]: RUN } });
    await container.start();
    await waitForLog(container, 'waiting for');
    const started = Date.now();
    await container.stop({ t: 10 });
    expect(Date.now() - started).toBeLessThan(5_000);
    const state = (await container.inspect()).State;
    expect(state.ExitCode).toBe(0);
    expect(await logsOf(container)).toContain('SIGTERM, exiting');
    await container.remove();
  });
});

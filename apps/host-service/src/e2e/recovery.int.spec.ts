import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../../test/e2e/docker-cli';
import { peerCertificate } from '../../test/e2e/daemon-process';
import { RecoveryHost } from '../../test/e2e/recovery-kit';
import type { Spun } from '../../test/e2e/recovery-kit';
import { makeTempRoot, removeTempRoot } from '../../test/e2e/temp-root';

/**
 * The built daemon SIGKILLed at the interesting points of a container's life (HOST_SERVICE_CRASH_AT
 * kills it exactly there), then started again on the same dirs and engine. After each restart
 * nothing is unmanaged, adopted containers keep their ports and TTY, and every ready session's
 * settings are saved exactly once, in an archive the CLIs open.
 */
describe('recovery of the built daemon (real engine)', () => {
  let host: RecoveryHost;

  beforeEach(async () => {
    host = new RecoveryHost(await makeTempRoot('recovery'));
  });

  afterEach(async () => {
    await host.cleanup();
    await removeTempRoot(host.root);
  });

  async function killed(): Promise<void> {
    expect(await host.daemon.exited).toBeNull(); // killed by a signal, not an exit
  }

  async function expectSavedOnce(c: Spun, user: string, token: string, file: string, content: string) {
    await host.waitGone(c);
    expect(host.backups(c.fractalId)).toBe(1);
    const opened = await host.openWithClis(user, token);
    expect(await readFile(join(opened, file), 'utf8')).toBe(content);
  }

  it('after create, before the id is checkpointed: the restart removes the container and its dirs', async () => {
    await host.start({ HOST_SERVICE_CRASH_AT: 'after-create' });
    await expect(host.spin()).rejects.toThrow();
    await killed();
    expect((await host.ours()).length).toBe(1); // created, never started, id not checkpointed
    await host.start();
    await waitFor('nothing left', async () =>
      (await host.ours()).length === 0 && (await host.checkpoints()).length === 0 ? true : undefined,
    );
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(host.fractalDir)).filter((n) => n !== 'temp')).toEqual([]);
  });

  it('after ready: adopted with its port and TTY, never handed out again, saved once when it dies', async () => {
    await host.start({ HOST_SERVICE_CRASH_AT: 'after-ready' });
    const a = await host.spin();
    expect(await host.makeReady(a, 'user-a', 'tok-a')).toBe(0); // the daemon died answering
    await killed();
    await writeFile(join(host.unpacked(a.fractalId), 'prefs.ini'), 'theme=dark\n');
    await host.start();
    expect(await host.resource(a.fractalId, '.ready')).toBe(''); // rewritten: the kill came first
    const b = await host.spin();
    expect([b.hostPort, b.tty]).not.toContain(a.hostPort);
    expect(b.tty).not.toBe(a.tty);
    await host.docker.getContainer(a.dockerId).kill();
    await expectSavedOnce(a, 'user-a', 'tok-a', 'prefs.ini', 'theme=dark\n');
    expect((await host.ours()).map((c) => c.Id)).toEqual([b.dockerId]);
  });

  it.each(['cleanup-started', 'backup-started'] as const)(
    'killed at %s: the restart finishes the cleanup and saves the settings once',
    async (point) => {
      await host.start({ HOST_SERVICE_CRASH_AT: point });
      const a = await host.spin();
      expect(await host.makeReady(a, 'user-c', 'tok-c')).toBe(200);
      await writeFile(join(host.unpacked(a.fractalId), 'notes.txt'), point);
      await host.docker.getContainer(a.dockerId).kill();
      await killed();
      await host.start();
      await expectSavedOnce(a, 'user-c', 'tok-c', 'notes.txt', point);
    },
  );

  it('a container killed while the daemon is down is cleaned and saved at the next start', async () => {
    await host.start();
    const a = await host.spin();
    expect(await host.makeReady(a, 'user-d', 'tok-d')).toBe(200);
    await writeFile(join(host.unpacked(a.fractalId), 'x.cfg'), 'down');
    await host.daemon.kill();
    await host.docker.getContainer(a.dockerId).kill();
    await host.start();
    await expectSavedOnce(a, 'user-d', 'tok-d', 'x.cfg', 'down');
  });

  it('SIGUSR2 detaches (exit 0, container runs on); the new daemon adopts it and saves it when it dies', async () => {
    await host.start();
    const a = await host.spin();
    expect(await host.makeReady(a, 'user-e', 'tok-e')).toBe(200);
    const certBefore = await fingerprint(host.port);
    host.daemon.child.kill('SIGUSR2');
    expect(await host.daemon.exited).toBe(0);
    expect((await host.docker.getContainer(a.dockerId).inspect()).State.Running).toBe(true);
    expect((await stat(join(host.fractalDir, a.fractalId))).isDirectory()).toBe(true);
    await writeFile(join(host.unpacked(a.fractalId), 'y.cfg'), 'upgraded');
    await host.start();
    expect(host.daemon.logLines().some((l) => l.msg === 'container adopted')).toBe(true);
    expect(await fingerprint(host.port)).toBe(certBefore); // the TLS material is reused
    await host.docker.getContainer(a.dockerId).kill();
    await expectSavedOnce(a, 'user-e', 'tok-e', 'y.cfg', 'upgraded');
    host.daemon.child.kill('SIGTERM');
    expect(await host.daemon.exited).toBe(0);
  });

  it('a start-up that fails while recovering leaves the sessions running for the next start', async () => {
    await host.start();
    const a = await host.spin();
    expect(await host.makeReady(a, 'user-f', 'tok-f')).toBe(200);
    await host.daemon.kill();
    const failing = await host
      .start({ ECS_BRIDGE: 'on', ECS_CONFIG_FILE: join(host.root, 'missing-ecs.config') })
      .catch(() => host.daemon);
    expect(await failing.exited).toBe(1);
    expect((await host.docker.getContainer(a.dockerId).inspect()).State.Running).toBe(true);
    expect(await host.checkpoints()).toEqual([`${a.fractalId}.json`]);
    await host.start();
    expect(host.daemon.logLines().some((l) => l.msg === 'container adopted')).toBe(true);
    await host.docker.getContainer(a.dockerId).kill();
    await host.waitGone(a);
    expect(host.backups(a.fractalId)).toBe(1);
  });
});

async function fingerprint(port: number): Promise<string | undefined> {
  return ((await peerCertificate(port)) as { fingerprint256?: string }).fingerprint256;
}

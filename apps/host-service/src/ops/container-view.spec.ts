import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackedContainerView } from './container-view';
import type { TrackedLike } from './container-view';

describe('trackedContainerView', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'view-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('summarizes each tracked container: ports, tty, user, readiness, source', async () => {
    const tracked: TrackedLike[] = [
      {
        fractalId: 'f1',
        appName: 'app',
        phase: 'running',
        dockerId: 'd1',
        createdAt: Date.parse('2026-01-02T03:04:05Z'),
        dirs: { resources: dir },
        held: {
          ports: [
            { containerPort: 32262, protocol: 'tcp', hostPort: 1025 },
            { containerPort: 32263, protocol: 'udp', hostPort: 1026 },
          ],
          tty: 12,
        },
        startValues: { userId: 'u1' },
      },
      { fractalId: 'f2', appName: 'ecs-app', phase: 'starting', held: { ports: [] } },
    ];
    const view = trackedContainerView(
      () => tracked,
      (id) => (id === 'f2' ? 'ecs' : 'api'),
    );
    expect(view.get('f1')).toEqual({
      fractalId: 'f1',
      dockerId: 'd1',
      appName: 'app',
      userId: 'u1',
      hostPorts: { '32262/tcp': 1025, '32263/udp': 1026 },
      tty: 12,
      phase: 'running',
      ready: false,
      source: 'api',
      createdAt: '2026-01-02T03:04:05.000Z',
    });
    await writeFile(join(dir, '.ready'), '');
    expect(view.get('f1')?.ready).toBe(true);
    expect(view.list().map((c) => [c.fractalId, c.source, c.dockerId, c.tty])).toEqual([
      ['f1', 'api', 'd1', 12],
      ['f2', 'ecs', null, null],
    ]);
    expect(view.get('nope')).toBeUndefined();
  });
});

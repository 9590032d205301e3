import type { ContainerView as RecordView } from '../containers/model';
import { containerSummaries } from './container-view';

const dirs = {
  root: '/f/f1',
  resources: '/f/f1/containerResourceMappings',
  userConfigs: '/f/f1/userConfigs',
  unpackedConfigs: '/f/f1/userConfigs/unpacked_configs',
  temp: '/f/temp/f1',
  sockets: '/f/temp/f1/sockets',
};

describe('containerSummaries', () => {
  it('summarizes each record: ports, tty, user, phase, readiness and source from the record', () => {
    const ports = [
      { containerPort: 32262, protocol: 'tcp' as const, hostPort: 1025 },
      { containerPort: 32263, protocol: 'udp' as const, hostPort: 1026 },
    ];
    const records: RecordView[] = [
      {
        fractalId: 'f1',
        dockerId: 'd1',
        appName: 'app',
        hostPort: 1025,
        hostPorts: ports,
        tty: 12,
        phase: 'ready',
        ready: true,
        source: 'api',
        createdAt: Date.parse('2026-01-02T03:04:05Z'),
        userId: 'u1',
        dirs,
        held: { ports, tty: 12, devices: false },
      },
      {
        fractalId: 'f2',
        appName: 'ecs-app',
        hostPorts: [],
        phase: 'reserved',
        ready: false,
        source: 'ecs',
        createdAt: 0,
        dirs,
        held: { ports: [], devices: false },
        token: { userId: 'u2', configEncryptionToken: 't', clientAppAuthSecret: 's' },
      },
    ];
    const view = containerSummaries(() => records);
    expect(view.get('f1')).toEqual({
      fractalId: 'f1',
      dockerId: 'd1',
      appName: 'app',
      userId: 'u1',
      hostPorts: { '32262/tcp': 1025, '32263/udp': 1026 },
      tty: 12,
      phase: 'ready',
      ready: true,
      source: 'api',
      createdAt: '2026-01-02T03:04:05.000Z',
    });
    expect(view.list().map((c) => [c.fractalId, c.source, c.dockerId, c.tty, c.userId, c.ready])).toEqual([
      ['f1', 'api', 'd1', 12, 'u1', true],
      ['f2', 'ecs', null, null, 'u2', false],
    ]);
    expect(view.get('nope')).toBeUndefined();
  });
});

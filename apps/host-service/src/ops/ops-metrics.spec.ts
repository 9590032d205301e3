import { OpsMetrics } from './ops-metrics';
import type { ContainerSummary } from './ops-types';

const container = (phase: string): ContainerSummary => ({
  fractalId: `f-${phase}`,
  dockerId: null,
  appName: 'a',
  userId: null,
  hostPorts: {},
  tty: null,
  phase,
  ready: false,
  source: 'api',
  createdAt: new Date(0).toISOString(),
});

const value = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('OpsMetrics', () => {
  it('reads the gauges at scrape time and counts what it is told', async () => {
    let draining = false;
    const list = [container('running'), container('ready'), container('ready'), container('reserved')];
    const metrics = new OpsMetrics(() => draining);
    metrics.attach({
      containers: { list: () => list, get: () => undefined },
      resources: {
        hostPortsInUse: (p) => (p === 'tcp' ? 4 : 2),
        ttysInUse: () => 2,
        pendingConfigUploads: async () => 3,
      },
    });
    metrics.spinUpObserved(0.3);
    metrics.spinUpObserved(4);
    metrics.restoreObserved('restored', 0.2);
    metrics.backupObserved('pending', 1);
    metrics.configBytes('upload', 1000);
    metrics.apiRequest('/spin_up_container', 200);
    metrics.heartbeat('failed');
    metrics.eventStreamReconnected();
    metrics.agentRestarted();
    draining = true;
    const { body, contentType } = await metrics.scrape();
    expect(contentType).toMatch(/^text\/plain/);
    expect(
      Object.fromEntries(
        [
          'fractal_containers{phase="reserved"}',
          'fractal_containers{phase="created"}',
          'fractal_containers{phase="running"}',
          'fractal_containers{phase="ready"}',
          'fractal_containers{phase="cleaning"}',
          'fractal_spin_up_seconds_count',
          'fractal_spin_up_seconds_bucket{le="0.5"}',
          'fractal_config_restore_seconds_count{outcome="restored"}',
          'fractal_config_restore_seconds_count{outcome="failed"}',
          'fractal_config_backup_seconds_count{outcome="pending"}',
          'fractal_config_bytes_total{direction="upload"}',
          'fractal_config_bytes_total{direction="download"}',
          'fractal_pending_config_uploads',
          'fractal_api_requests_total{route="/spin_up_container",status="200"}',
          'fractal_host_ports_in_use{protocol="tcp"}',
          'fractal_host_ports_in_use{protocol="udp"}',
          'fractal_ttys_in_use',
          'fractal_docker_event_stream_reconnects_total',
          'fractal_heartbeats_total{result="failed"}',
          'fractal_heartbeats_total{result="ok"}',
          'fractal_ecs_agent_restarts_total',
          'fractal_draining',
        ].map((s) => [s, value(body, s)]),
      ),
    ).toEqual({
      'fractal_containers{phase="reserved"}': 1,
      'fractal_containers{phase="created"}': 0,
      'fractal_containers{phase="running"}': 1,
      'fractal_containers{phase="ready"}': 2,
      'fractal_containers{phase="cleaning"}': 0,
      fractal_spin_up_seconds_count: 2,
      'fractal_spin_up_seconds_bucket{le="0.5"}': 1,
      'fractal_config_restore_seconds_count{outcome="restored"}': 1,
      'fractal_config_restore_seconds_count{outcome="failed"}': 0,
      'fractal_config_backup_seconds_count{outcome="pending"}': 1,
      'fractal_config_bytes_total{direction="upload"}': 1000,
      'fractal_config_bytes_total{direction="download"}': 0,
      fractal_pending_config_uploads: 3,
      'fractal_api_requests_total{route="/spin_up_container",status="200"}': 1,
      'fractal_host_ports_in_use{protocol="tcp"}': 4,
      'fractal_host_ports_in_use{protocol="udp"}': 2,
      fractal_ttys_in_use: 2,
      fractal_docker_event_stream_reconnects_total: 1,
      'fractal_heartbeats_total{result="failed"}': 1,
      'fractal_heartbeats_total{result="ok"}': 0,
      fractal_ecs_agent_restarts_total: 1,
      fractal_draining: 1,
    });
    expect(body).toContain('process_resident_memory_bytes');
    expect(body).not.toContain('nodejs_active_handles_total');
  });

  it('scrapes zeros before the container manager is attached', async () => {
    const { body } = await new OpsMetrics(() => false).scrape();
    expect(value(body, 'fractal_ttys_in_use')).toBe(0);
    expect(value(body, 'fractal_containers{phase="running"}')).toBe(0);
  });
});

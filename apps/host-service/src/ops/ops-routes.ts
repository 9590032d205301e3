import { Hono } from 'hono';
import type { DrainState } from './drain-state';
import type { HealthReport } from './health';
import type { ContainerView } from './ops-types';

export interface HostMetadata {
  readonly version: string;
  readonly commit: string;
  readonly appEnv: string;
  readonly instanceId: string;
}

export interface OpsRoutesDeps {
  readonly containers: ContainerView;
  readonly drain: DrainState;
  readonly metadata: HostMetadata;
  readonly health: () => Promise<HealthReport>;
  readonly scrape: () => Promise<{ contentType: string; body: string }>;
  /** The API description served as `/openapi.json`. */
  readonly openApi: () => unknown;
  readonly startedAt: number;
  readonly now?: () => number;
}

/** The ops listener's endpoints (plain HTTP on loopback, no auth; see the README). */
export function createOpsRoutes(deps: OpsRoutesDeps): Hono {
  const now = deps.now ?? Date.now;
  const app = new Hono();
  app.get('/metrics', async (c) => {
    const { contentType, body } = await deps.scrape();
    return c.body(body, 200, { 'content-type': contentType });
  });
  app.get('/healthz', async (c) => {
    const report = await deps.health();
    return c.json(report, report.status === 'ok' ? 200 : 503);
  });
  app.get('/v1/containers', (c) => c.json(deps.containers.list()));
  app.get('/v1/containers/:fractalId', (c) => {
    const id = c.req.param('fractalId');
    const found = deps.containers.get(id);
    if (found === undefined)
      return c.json({ code: 'NOT_FOUND', error: `no container ${id} on this host` }, 404);
    return c.json(found);
  });
  app.get('/v1/metadata', (c) =>
    c.json({
      ...deps.metadata,
      draining: deps.drain.draining,
      drain: deps.drain.snapshot(),
      containers: deps.containers.list().length,
      uptimeSeconds: Math.floor((now() - deps.startedAt) / 1000),
      nodeVersion: process.version,
    }),
  );
  app.post('/v1/drain', (c) => {
    const started = deps.drain.start('requested on the ops listener', 'ops');
    return c.json({ draining: true, alreadyDraining: !started, drain: deps.drain.snapshot() });
  });
  app.get('/openapi.json', (c) => c.json(deps.openApi()));
  app.notFound((c) =>
    c.json({ code: 'NOT_FOUND', error: `unknown path ${c.req.method} ${c.req.path}` }, 404),
  );
  app.onError((err, c) => c.json({ code: 'INTERNAL', error: err.message }, 500));
  return app;
}

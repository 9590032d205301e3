import { createApi } from '../api';
import { mountPolicy, withMountPolicy } from '../containers/mount-policy';
import { createFractalCreateHook } from '../ecs';
import type { DaemonStep } from '../lifecycle/step';
import { startEcsBridge } from '../startup/ecs-bridge';
import { listenHttps } from '../startup/https-server';
import type { DaemonContext } from './daemon-state';
import { started } from './daemon-state';

/** What takes work from outside, last: the ECS bridge (when on), the HTTPS API, then heartbeats. */
export function frontSteps(ctx: DaemonContext): DaemonStep[] {
  const { config, state, logger } = ctx;
  const { ops } = state;
  const manager = (): NonNullable<typeof state.core>['manager'] =>
    started(state.core, 'the container manager').manager;
  const steps: DaemonStep[] = [];
  const ecs = config.ecsBridge;
  if (ecs.enabled) {
    steps.push({
      // Its undos: our Docker proxy for the agent (10 s), the agent (30 s).
      name: 'ECS bridge',
      timeoutMs: 40_000,
      start: (defer) =>
        startEcsBridge({
          ...ecs,
          docker: started(state.docker, 'the Docker client'),
          hook: ops.gateEcs(createFractalCreateHook({ manager: manager(), logger })), // ops hook: refused while draining, timed
          onAgentRestart: () => ops.metrics.agentRestarted(), // ops hook
          logger,
          onAgentGaveUp: (info) => {
            // Existing sessions keep running and keep being served; only new ECS tasks stop coming.
            const err = new Error(
              `the ECS agent exited ${info.exits} times within 10 minutes and is no longer restarted; this host takes no new ECS tasks until the host service restarts`,
              { cause: info.error },
            );
            logger.captureError(err, { component: 'ecs-agent' }); // logs it at error level too
          },
          defer,
        }),
    });
  }
  steps.push(
    {
      name: 'stop the HTTPS server',
      timeoutMs: 10_000,
      start: async () => {
        const api = createApi({
          manager: withMountPolicy(manager(), mountPolicy(config, ctx.env.DOCKER_HOST)),
          appEnv: config.appEnv,
          webserverAuthSecret: config.webserverAuthSecret,
          logger,
          drain: ops.drain, // ops hook
          observer: ops.metrics, // ops hook
        });
        const tls = started(state.tls, 'the TLS material');
        state.server = await listenHttps({
          fetch: api.fetch,
          key: tls.key,
          cert: tls.cert,
          port: config.port,
          host: config.host,
          limits: config.apiLimits,
          logger,
        });
      },
      stop: () => state.server?.close(5_000),
    },
    {
      name: 'start heartbeats',
      timeoutMs: 0, // their undo is the dying heartbeat's step
      start: () => {
        state.heartbeat?.start();
        const port = started(state.server, 'the HTTPS server').port;
        const { version, commit } = ctx.build;
        logger.info(
          { port, host: config.host, appEnv: config.appEnv, version, commit },
          `host service ready on https://${config.host}:${port}`,
        );
      },
    },
  );
  return steps;
}

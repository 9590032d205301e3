import Dockerode from 'dockerode';
import type { HostServiceConfig } from '../config/host-service-config';
import { HeartbeatService } from '../heartbeat/heartbeat-service';
import { handshakeRequest } from '../heartbeat/payloads';
import { WebserverClient } from '../heartbeat/webserver-client';
import type { DaemonStep } from '../lifecycle/step';
import { ImdsClient } from '../metadata/imds-client';
import type { InstanceFacts } from '../metadata/instance-facts';
import { localInstanceFacts } from '../metadata/instance-facts';
import { readMeminfo } from '../metadata/meminfo';
import { connectDocker } from '../startup/docker-connect';
import { StartupError } from '../util/startup-error';
import { runCommand, systemdRunning } from '../startup/system';
import type { DaemonContext } from './daemon-state';
import { started } from './daemon-state';

/** The Docker engine, the instance facts, then (outside localdev) the webserver and heartbeats. */
export function remoteSteps(ctx: DaemonContext): DaemonStep[] {
  const { config, state, logger } = ctx;
  const steps: DaemonStep[] = [
    {
      name: 'connect to Docker',
      timeoutMs: 0,
      start: async () => {
        // Built here, not in buildDaemon: with DOCKER_CERT_PATH set its constructor reads the certs.
        const docker = (state.docker = new Dockerode());
        const engine = await connectDocker({
          docker,
          describe: ctx.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock',
          systemdRunning,
          startEngine: () => runCommand('systemctl', ['start', 'docker'], 60_000),
          logger,
        });
        state.hasNvidiaRuntime = engine.hasNvidiaRuntime;
      },
    },
    {
      name: 'read the instance facts',
      timeoutMs: 0,
      start: async () => {
        const facts = (state.facts = await instanceFacts(config));
        logger.setTags({
          app_env: config.appEnv,
          instance_id: facts.instanceId,
          instance_type: facts.instanceType,
          region: facts.region,
          ami_id: facts.amiId,
          commit: ctx.build.commit,
        });
      },
    },
  ];
  if (config.appEnv === 'localdev') return steps;
  steps.push({
    name: 'send the dying heartbeat',
    timeoutMs: 15_000,
    // Beats start once the HTTPS API listens (build-daemon.ts's last step).
    start: async () => {
      const webserver = new WebserverClient({ baseUrl: config.webserverUrl });
      const facts = started(state.facts, 'the instance facts');
      const authToken = await handshake(webserver, facts, config.webserverUrl);
      state.heartbeat = new HeartbeatService({
        send: (body) => webserver.heartbeat(body),
        authToken,
        instanceId: facts.instanceId,
        readMeminfo: () => readMeminfo(),
        intervalMs: config.heartbeatIntervalMs,
        logger: logger.child({ component: 'heartbeat' }),
        isDraining: () => state.ops.drain.draining, // ops hook
        onResult: (result) => state.ops.metrics.heartbeat(result), // ops hook
      });
    },
    stop: () => state.heartbeat?.shutdown(),
    onDetach: () => state.heartbeat?.stop(), // the host is not going away
  });
  return steps;
}

function instanceFacts(config: HostServiceConfig): Promise<InstanceFacts> {
  if (config.appEnv === 'localdev') return Promise.resolve(localInstanceFacts());
  return new ImdsClient({ endpoint: config.imdsEndpoint }).instanceFacts();
}

/** A few tries: the webserver may be deploying while a host boots. */
async function handshake(webserver: WebserverClient, facts: InstanceFacts, url: string): Promise<string> {
  let last: unknown;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    try {
      return await webserver.handshake(handshakeRequest(facts));
    } catch (err) {
      last = err;
      if (attempt < 3) await new Promise((r) => setTimeout(r, 1000 * attempt));
    }
  }
  throw new StartupError(
    'HANDSHAKE_FAILED',
    `handshake with the webserver at ${url} failed 3 times (${(last as Error).message}); check WEBSERVER_URL and that the webserver is up`,
    { cause: last },
  );
}

import Dockerode from 'dockerode';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FractalLogger } from '@fractal/logger';
import { PortAllocator, createBindingProbe } from '@fractal/portbindings';
import { LocalDirConfigStore } from '@fractal/userconfigs';
import { S3ConfigStore } from '@fractal/userconfigs/s3';
import type { ConfigStore } from '@fractal/userconfigs';
import { createApi } from './api';
import type { BuildInfo } from './config/build-info';
import type { HostServiceConfig } from './config/host-service-config';
import { ECS_AGENT_PORT } from './config/host-service-config';
import { DockerodeEngine, containerStateDir } from './containers';
import { mountPolicy, withMountPolicy } from './containers/mount-policy';
import { ContainerStateStore } from './containers/state-store';
import { crashPointFromEnv } from './lifecycle/crash-points';
import { createFractalCreateHook } from './ecs';
import { HeartbeatService } from './heartbeat/heartbeat-service';
import { handshakeRequest } from './heartbeat/payloads';
import { WebserverClient } from './heartbeat/webserver-client';
import type { Lifecycle } from './lifecycle/lifecycle';
import { ImdsClient } from './metadata/imds-client';
import type { InstanceFacts } from './metadata/instance-facts';
import { localInstanceFacts } from './metadata/instance-facts';
import { readMeminfo } from './metadata/meminfo';
import { createContainerCore } from './startup/container-core';
import { connectDocker } from './startup/docker-connect';
import { startEcsBridge } from './startup/ecs-bridge';
import { listenHttps } from './startup/https-server';
import { acquireDaemonLock } from './startup/daemon-lock';
import { createOwnDirs, pendingUploadsDir, removeOwnDirs } from './startup/own-dirs';
import { assertRoot, checkFractalDir, markFractalDirOurs } from './startup/preflight';
import { retryPendingUploads } from './startup/pending-uploads';
import { ensureSharedMount } from './startup/shared-mount';
import { StartupError } from './util/startup-error';
import { runCommand, systemdRunning } from './startup/system';
import { createTlsMaterial } from './startup/tls';
import { reuseTlsMaterial } from './startup/tls-reuse';
import { awsSdkLogging } from './ops/aws-sdk-logging';
import { countPendingUploads } from './ops/observed-configs';
import { parseOpsConfig } from './ops/ops-config';
import { OpsSurface } from './ops/ops-surface';
import { containerSummaries } from './ops/container-view';

export interface DaemonContext {
  readonly config: HostServiceConfig;
  readonly build: BuildInfo;
  readonly logger: FractalLogger;
  readonly lifecycle: Lifecycle;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly uid: number;
}

/** The range PortAllocator hands out by default; reserving outside it is meaningless. */
const PORT_POOL = { min: 1025, max: 49150 };

/**
 * Start-up in the order ARCHITECTURE.md describes. Each step registers its undo with the lifecycle before
 * the next one runs, so a failure at any point cleans up exactly what was set up.
 */
export async function startDaemon(ctx: DaemonContext): Promise<void> {
  const { config, logger, lifecycle } = ctx;
  assertRoot(ctx.uid);
  const lock = await acquireDaemonLock(config.fractalPrivateDir);
  lifecycle.defer('release the daemon lock', 1_000, () => lock.release());
  const stateDir = containerStateDir(config.fractalPrivateDir);
  // An earlier run of ours left FRACTAL_DIR (crash, upgrade): recover it instead of refusing.
  const recovering = (await checkFractalDir(config.fractalDir, stateDir)) === 'recover';
  const crashPoint = crashPointFromEnv(ctx.env.HOST_SERVICE_CRASH_AT, (point) =>
    logger.warn({ point }, 'HOST_SERVICE_CRASH_AT: killing the daemon here'),
  );
  const opsConfig = parseOpsConfig(ctx.env); // ops hook
  const ops = new OpsSurface(logger); // ops hook

  const dirs = {
    fractalDir: config.fractalDir,
    fractalPrivateDir: config.fractalPrivateDir,
    ...(config.userConfigs.kind === 'local' ? { localStoreDir: config.userConfigs.dir } : {}),
  };
  // FRACTAL_DIR stays while a checkpoint does: containers left running (detach) or settings not yet saved.
  const checkpointsLeft = async (): Promise<boolean> =>
    (await new ContainerStateStore(stateDir).loadAll(() => undefined).catch(() => [])).length > 0;
  lifecycle.defer('remove our dirs', 30_000, async () => removeOwnDirs(dirs, await checkpointsLeft()));
  await createOwnDirs(dirs, recovering);
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await markFractalDirOurs(config.fractalDir, stateDir);
  const undoMount = await ensureSharedMount(config.fractalDir, {
    readMountInfo: () => readFile('/proc/self/mountinfo', 'utf8'),
    run: (cmd, args) => runCommand(cmd, args, 10_000),
    logger,
  });
  lifecycle.defer('undo the shared mount', 15_000, async () => {
    // Containers still described by checkpoints (a start-up that failed while recovering) keep it.
    if (!(await checkpointsLeft())) await undoMount();
  });
  // A recovering start keeps the certificate clients saw before the crash or upgrade.
  const tls =
    (recovering ? await reuseTlsMaterial(config.fractalPrivateDir) : undefined) ??
    (await createTlsMaterial(config.fractalPrivateDir));

  const docker = new Dockerode();
  const { hasNvidiaRuntime } = await connectDocker({
    docker,
    describe: ctx.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock',
    systemdRunning,
    startEngine: () => runCommand('systemctl', ['start', 'docker'], 60_000),
    logger,
  });

  const facts = await instanceFacts(config);
  logger.setTags({
    app_env: config.appEnv,
    instance_id: facts.instanceId,
    instance_type: facts.instanceType,
    region: facts.region,
    ami_id: facts.amiId,
    commit: ctx.build.commit,
  });

  let heartbeat: HeartbeatService | undefined;
  if (config.appEnv !== 'localdev') {
    const webserver = new WebserverClient({ baseUrl: config.webserverUrl });
    const authToken = await handshake(webserver, facts, config.webserverUrl);
    heartbeat = new HeartbeatService({
      send: (body) => webserver.heartbeat(body),
      authToken,
      instanceId: facts.instanceId,
      readMeminfo: () => readMeminfo(),
      intervalMs: config.heartbeatIntervalMs,
      logger: logger.child({ component: 'heartbeat' }),
      isDraining: () => ops.drain.draining, // ops hook
      onResult: (result) => ops.metrics.heartbeat(result), // ops hook
    });
    const beats = heartbeat;
    lifecycle.defer(
      'send the dying heartbeat',
      15_000,
      () => beats.shutdown(),
      () => beats.stop(), // the host is not going away
    );
  }

  const ports = new PortAllocator({
    reserved: [config.port, ECS_AGENT_PORT]
      .filter((port) => port >= PORT_POOL.min && port <= PORT_POOL.max)
      .map((port) => ({ port, protocol: 'tcp' as const })),
    probe: createBindingProbe(),
  });
  const { configs, manager, ttys } = createContainerCore({
    config,
    docker: new DockerodeEngine(docker),
    ports,
    store: configStore(config, logger),
    logger,
    observer: ops.metrics, // ops hook: restores, backups, bytes and event-stream reconnects
    hasNvidiaRuntime,
    ...(crashPoint ? { crashPoint } : {}),
  });
  // ops hook: listens before the containers' undo step so /healthz answers through the shutdown.
  await ops.listen({
    config: opsConfig,
    containers: containerSummaries(() => manager.list()),
    resources: {
      hostPortsInUse: (protocol) => ports.inUse(protocol),
      ttysInUse: () => ttys.inUse(),
      pendingConfigUploads: () => countPendingUploads(pendingUploadsDir(config.fractalPrivateDir)),
    },
    metadata: {
      version: ctx.build.version,
      commit: ctx.build.commit,
      appEnv: config.appEnv,
      instanceId: facts.instanceId,
    },
    health: {
      pingDocker: () => docker.ping(),
      eventStreamDownSince: () => manager.eventStreamDownSince(),
      shuttingDown: () => lifecycle.shuttingDown,
    },
    ...(config.appEnv === 'localdev' ? {} : { readImds: imdsReader(config) }),
    docker,
    // Tracked, or its dir still there (removed last in cleanup); other daemons' live elsewhere.
    ownsContainer: (id) =>
      manager.byFractalId(id) !== undefined ||
      (/^[0-9a-f]+$/.test(id) && existsSync(join(config.fractalDir, id))),
    defer: (name, ms, run) => lifecycle.defer(name, ms, run),
  });
  lifecycle.defer(
    'stop and clean up our containers',
    150_000,
    () => manager.shutdown(),
    () => manager.detach(), // they keep running; the next start adopts them
  );
  await manager.start();
  const retries = retryPendingUploads(configs, logger.child({ component: 'userconfigs' }));
  lifecycle.defer('stop retrying pending config uploads', 1_000, () => retries.stop());

  // A signal during start-up has already begun the shutdown: starting more would outlive it.
  if (lifecycle.shuttingDown) return;
  if (config.ecsBridge.enabled) {
    await startEcsBridge({
      ...config.ecsBridge,
      docker,
      hook: ops.gateEcs(createFractalCreateHook({ manager, logger })), // ops hook: refused while draining, timed
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
      defer: (name, ms, run) => lifecycle.defer(name, ms, run),
    });
  }

  const api = createApi({
    manager: withMountPolicy(manager, mountPolicy(config, ctx.env.DOCKER_HOST)),
    appEnv: config.appEnv,
    webserverAuthSecret: config.webserverAuthSecret,
    logger,
    drain: ops.drain, // ops hook
    observer: ops.metrics, // ops hook
  });
  if (lifecycle.shuttingDown) return;
  const server = await listenHttps({
    fetch: api.fetch,
    key: tls.key,
    cert: tls.cert,
    port: config.port,
    host: config.host,
    limits: config.apiLimits,
    logger,
  });
  lifecycle.defer('stop the HTTPS server', 10_000, () => server.close(5_000));

  heartbeat?.start();
  logger.info(
    {
      port: server.port,
      host: config.host,
      appEnv: config.appEnv,
      version: ctx.build.version,
      commit: ctx.build.commit,
    },
    `host service ready on https://${config.host}:${server.port}`,
  );
}

function instanceFacts(config: HostServiceConfig): Promise<InstanceFacts> {
  if (config.appEnv === 'localdev') return Promise.resolve(localInstanceFacts());
  return new ImdsClient({ endpoint: config.imdsEndpoint }).instanceFacts();
}

function imdsReader(config: HostServiceConfig): (path: string) => Promise<string | null> {
  const imds = new ImdsClient({ endpoint: config.imdsEndpoint });
  return (path) => imds.read(path);
}

function configStore(config: HostServiceConfig, logger: FractalLogger): ConfigStore {
  const uc = config.userConfigs;
  if (uc.kind === 'local') return new LocalDirConfigStore(uc.dir);
  // Region, credentials and AWS_ENDPOINT_URL(_S3) come from the environment the standard SDK way.
  // ops hook: the SDK's own warnings go to our JSON log, not to stderr.
  return new S3ConfigStore({ bucket: uc.bucket, env: process.env, clientConfig: awsSdkLogging(logger) });
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

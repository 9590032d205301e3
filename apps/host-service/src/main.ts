import { createLogger } from '@fractal/logger';
import { SdNotifier } from '@fractal/sdnotify';
import { buildInfo } from './config/build-info';
import { missingNodeFlags } from './config/node-flags';
import { parseArgs, renderHelp, renderVersion } from './config/cli';
import { parseConfig } from './config/parse-config';
import { SETTINGS } from './config/settings';
import { buildDaemon } from './daemon/build-daemon';
import { Lifecycle } from './lifecycle/lifecycle';
import { startupErrorLine } from './util/startup-error';

/** EX_CONFIG (sysexits.h): the unit's RestartPreventExitStatus, so a bad setting is not retried. */
const EXIT_BAD_CONFIG = 78;

/** The entry: CLI, config, logger, the daemon's steps (daemon/build-daemon.ts), signals, start-up. */
async function main(): Promise<void> {
  const build = buildInfo();
  const action = parseArgs(process.argv.slice(2));
  if (action.kind === 'help') return void process.stdout.write(renderHelp(SETTINGS, build));
  if (action.kind === 'version') return void process.stdout.write(renderVersion(build));
  if (action.kind === 'error') {
    process.stderr.write(`host-service: ${action.message}\n`);
    process.exitCode = 2;
    return;
  }

  let config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    process.stderr.write(`host-service: ${(err as Error).message}\n`);
    process.exitCode = EXIT_BAD_CONFIG;
    return;
  }

  const logger = createLogger({
    appEnv: config.appEnv,
    level: config.logLevel,
    useProdLogging: config.useProdLogging,
    release: `host-service@${build.version}+${build.commit}`,
    ...(config.sentryDsn === undefined ? {} : { sentryDsn: config.sentryDsn }),
    ...(config.logzio === undefined ? {} : { logzio: config.logzio }),
  });
  const daemon = buildDaemon(config, {
    build,
    logger,
    env: process.env,
    uid: process.getuid?.() ?? -1,
    shuttingDown: () => lifecycle.shuttingDown,
  });
  const lifecycle = new Lifecycle({
    logger,
    // The lifecycle writes the fatal line itself: Sentry only, so the error is logged once.
    captureError: (err) => logger.captureError(err, undefined, { log: false }),
    exit: (code) => process.exit(code),
    // Derived from the steps' budgets, so the two cannot disagree.
    deadlineMs: daemon.shutdownDeadlineMs,
  });

  // systemd Type=notify (fractal-host-service.service): STOPPING=1 as a signal starts the shutdown
  // or the detach.
  const systemd = new SdNotifier({
    socket: process.env.NOTIFY_SOCKET,
    onError: (err) => logger.warn({ err }, `systemd notification failed: ${err.message}`),
  });
  delete process.env.NOTIFY_SOCKET; // children (mount, the ECS agent runner) must not notify for us
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGUSR2'] as const) {
    process.on(signal, () => systemd.stopping(`stopping on ${signal}`));
  }

  // SIGTERM/SIGINT: the host is going away (stop every container, save settings, dying heartbeat).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void lifecycle.shutdown(signal, 0));
  }
  // SIGUSR2: detach for an upgrade (containers keep running; the next start adopts them).
  process.on('SIGUSR2', () => void lifecycle.detach('SIGUSR2'));
  process.on('unhandledRejection', (reason) => void lifecycle.fatal(reason, 'unhandledRejection'));
  process.on('uncaughtException', (err) => void lifecycle.fatal(err, 'uncaughtException'));

  logger.info(
    { version: build.version, commit: build.commit, appEnv: config.appEnv },
    'host service starting',
  );
  const missingFlags = missingNodeFlags();
  if (missingFlags.length > 0) {
    logger.warn(
      { missingFlags },
      `node was started without ${missingFlags.join(' ')}: config restores will spend far more time ` +
        'in garbage collection; start the daemon with bin/host-service',
    );
  }
  try {
    await lifecycle.start(daemon.steps);
    if (!lifecycle.shuttingDown) systemd.ready(`serving HTTPS on port ${config.port}`); // systemd: READY=1
  } catch (err) {
    // Start-up problems are the operator's to fix: one plain line on stderr too (JSON on stdout).
    process.stderr.write(`${startupErrorLine(err)}\n`);
    await lifecycle.fatal(err, 'start-up');
  }
}

void main();

import { createLogger } from '@fractal/logger';
import { buildInfo } from './config/build-info';
import { parseArgs, renderHelp, renderVersion } from './config/cli';
import { parseConfig } from './config/parse-config';
import { SETTINGS } from './config/settings';
import { Lifecycle } from './lifecycle/lifecycle';
import { startDaemon } from './start-daemon';
import { startupErrorLine } from './startup/startup-error';

/** Composition root: CLI, config, logger, signal handlers, then start-up. */
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
    process.exitCode = 1;
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
  const lifecycle = new Lifecycle({
    logger,
    // The lifecycle writes the fatal line itself: Sentry only, so the error is logged once.
    captureError: (err) => logger.captureError(err, undefined, { log: false }),
    exit: (code) => process.exit(code),
    deadlineMs: 240_000,
  });
  lifecycle.defer('flush logs and Sentry', 6_000, () => {
    logger.info({}, 'host service stopped');
    return logger.shutdown(5_000);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void lifecycle.shutdown(signal, 0));
  }
  process.on('unhandledRejection', (reason) => void lifecycle.fatal(reason, 'unhandledRejection'));
  process.on('uncaughtException', (err) => void lifecycle.fatal(err, 'uncaughtException'));

  logger.info(
    { version: build.version, commit: build.commit, appEnv: config.appEnv },
    'host service starting',
  );
  try {
    await startDaemon({ config, build, logger, lifecycle, env: process.env, uid: process.getuid?.() ?? -1 });
  } catch (err) {
    // Start-up problems are the operator's to fix: one plain line on stderr too (JSON on stdout).
    process.stderr.write(`${startupErrorLine(err)}\n`);
    await lifecycle.fatal(err, 'start-up');
  }
}

void main();

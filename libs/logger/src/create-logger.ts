import pino from 'pino';
import pinoPretty from 'pino-pretty';
import { assembleLogger } from './fractal-logger';
import type * as LogzioShipperTypes from './logzio-shipper';
import type { LogShipper } from './logzio-shipper';
import { resolveOptions } from './options';
import type { ResolvedOptions } from './options';
import type * as SentryReporterTypes from './sentry-reporter';
import type { ErrorReporter } from './sentry-reporter';
import type { FractalLogger, FractalLoggerOptions } from './types';
import type { LoggerError } from './errors';

function buildDestination(options: FractalLoggerOptions, resolved: ResolvedOptions): pino.DestinationStream {
  const toStdout = options.destination === undefined;
  const pretty =
    options.pretty ?? (resolved.appEnv === 'localdev' && toStdout && process.stdout.isTTY === true);
  if (pretty) {
    return pinoPretty({
      destination: options.destination ?? 1,
      colorize: toStdout && process.stdout.isTTY === true,
      sync: true,
    });
  }
  if (toStdout) return pino.destination({ dest: 1, sync: true });
  return options.destination as unknown as pino.DestinationStream;
}

/**
 * The service's logger: pino JSON lines with secrets redacted, errors to Sentry and lines to
 * logz.io when prod logging is on and they are configured. Every call builds an independent
 * instance; call `shutdown()` before exit. Throws LoggerError('INVALID_OPTIONS').
 */
export function createLogger(options: FractalLoggerOptions): FractalLogger {
  const resolved = resolveOptions(options);
  const destination = buildDestination(options, resolved);
  // Shipping failures are reported through the logger itself, which exists only after the
  // shipper, hence the late binding.
  let report: (err: LoggerError) => void = () => undefined;
  const onError = (err: LoggerError): void => report(err);

  let reporter: ErrorReporter | undefined;
  let shipper: LogShipper | undefined;
  if (resolved.prodLogging && resolved.sentryDsn !== undefined) {
    reporter = loadSentryReporter().createSentryReporter({
      dsn: resolved.sentryDsn,
      environment: resolved.appEnv,
      release: resolved.release,
    });
  }
  if (resolved.prodLogging && resolved.logzio !== undefined) {
    shipper = loadLogzioShipper().createLogzioShipper(resolved.logzio, onError);
  }
  const { logger, report: reportInternal } = assembleLogger({
    level: resolved.level,
    destination,
    reporter,
    shipper,
    onInternalError: options.onInternalError,
  });
  report = reportInternal;
  return logger;
}

// @sentry/node alone costs ~30 MiB of RSS at require time and the shipper pulls in axios; most
// processes (localdev, tests, other services without a DSN) never use them, so load on demand.
type SentryReporterModule = typeof SentryReporterTypes;
type LogzioShipperModule = typeof LogzioShipperTypes;

function loadSentryReporter(): SentryReporterModule {
  return require('./sentry-reporter') as SentryReporterModule;
}

function loadLogzioShipper(): LogzioShipperModule {
  return require('./logzio-shipper') as LogzioShipperModule;
}

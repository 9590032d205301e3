import pino from 'pino';
import { withDeadline } from './deadline';
import { LoggerError } from './errors';
import type { LogShipper } from './logzio-shipper';
import { redactSecrets } from './redact';
import type { ErrorReporter } from './sentry-reporter';
import type { FractalLogger, LogFields, LogLevel, LogMethod, Logger } from './types';

export const DEFAULT_DEADLINE_MS = 5_000;

export interface LoggerParts {
  level: LogLevel;
  /** Where JSON (or pretty) lines go; anything with a `write(string)` method. */
  destination: pino.DestinationStream;
  reporter: ErrorReporter | undefined;
  shipper: LogShipper | undefined;
  onInternalError: ((err: LoggerError) => void) | undefined;
}

// pino's `redact` takes fixed paths only; a log formatter sees every merged object (and the
// error in it) before serialization, so keys are matched at any depth and in any case.
const formatters = { log: redactSecrets, bindings: redactSecrets };

type PinoLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * A log call never throws into its caller, which is often a catch block already. Redaction copes
 * with hostile fields itself; this catches what pino's own handling of the arguments may throw,
 * and still writes the message.
 */
function guarded(instance: pino.Logger, level: PinoLevel): LogMethod {
  const method = instance[level].bind(instance) as (...args: unknown[]) => void;
  return ((...args: unknown[]) => {
    try {
      method(...args);
    } catch {
      const msg = typeof args[0] === 'string' ? args[0] : typeof args[1] === 'string' ? args[1] : '';
      try {
        instance[level]({ logFieldsUnreadable: true }, msg);
      } catch {
        // Nothing left to try; losing one line beats crashing the caller.
      }
    }
  }) as LogMethod;
}

function wrap(instance: pino.Logger): Logger {
  return {
    trace: guarded(instance, 'trace'),
    debug: guarded(instance, 'debug'),
    info: guarded(instance, 'info'),
    warn: guarded(instance, 'warn'),
    error: guarded(instance, 'error'),
    fatal: guarded(instance, 'fatal'),
    // pino applies the bindings formatter to the root only, so children are redacted here.
    child: (bindings) => wrap(instance.child(redactSecrets(bindings))),
    isLevelEnabled: (level) => instance.isLevelEnabled(level),
  };
}

interface Task {
  name: string;
  work: Promise<unknown>;
}

/** Waits for every task until the deadline; returns the names of those that did not finish. */
async function unfinished(tasks: Task[], timeoutMs: number): Promise<string[]> {
  const late = await Promise.all(
    tasks.map(async ({ name, work }) => {
      // Sentry resolves false when it gave up on queued events; that counts as unfinished too.
      const ok = await withDeadline(
        work.then((value) => value !== false),
        timeoutMs,
        false,
      );
      return ok ? undefined : name;
    }),
  );
  return late.filter((name): name is string => name !== undefined);
}

export interface AssembledLogger {
  logger: FractalLogger;
  /** Where background failures go: `onInternalError`, else a warn line to the destination. */
  report: (err: LoggerError) => void;
}

export function assembleLogger(parts: LoggerParts): AssembledLogger {
  const { destination, reporter, shipper } = parts;
  const stream = shipper
    ? pino.multistream([
        { stream: destination, level: 'trace' },
        { stream: shipper, level: 'trace' },
      ])
    : destination;
  const root = pino({ level: parts.level, formatters }, stream);
  // Reports about the shipper go to the local destination only, never back into the shipper.
  const local = pino({ level: 'trace', formatters }, destination);
  const report = parts.onInternalError ?? ((err: LoggerError) => local.warn({ err }, err.message));
  let closed = false;
  let shutdownDone: Promise<void> | undefined;

  const settle = async (op: 'flush' | 'shutdown', tasks: Task[], timeoutMs: number) => {
    const late = await unfinished(tasks, timeoutMs);
    if (late.length > 0) {
      report(
        new LoggerError(
          'FLUSH_TIMEOUT',
          `logger ${op}: ${late.join(' and ')} did not finish within ${timeoutMs} ms; ` +
            'events or lines still queued may be lost — check that the endpoint is reachable',
        ),
      );
    }
  };

  const setTags = (tags: Record<string, string>): void => {
    if (!closed) reporter?.setTags(tags);
  };
  const flush = async (timeoutMs = DEFAULT_DEADLINE_MS): Promise<void> => {
    if (closed) return;
    const tasks: Task[] = [];
    if (reporter) tasks.push({ name: 'Sentry', work: reporter.flush(timeoutMs) });
    if (shipper) tasks.push({ name: 'logz.io shipping', work: shipper.flush() });
    await settle('flush', tasks, timeoutMs);
  };
  const shutdown = (timeoutMs = DEFAULT_DEADLINE_MS): Promise<void> => {
    shutdownDone ??= (async () => {
      closed = true;
      const tasks: Task[] = [];
      if (reporter) tasks.push({ name: 'Sentry', work: reporter.close(timeoutMs) });
      if (shipper) tasks.push({ name: 'logz.io shipping', work: shipper.close() });
      await settle('shutdown', tasks, timeoutMs);
    })();
    return shutdownDone;
  };

  // Children are FractalLoggers too: an error captured through one reaches Sentry with the
  // child's bindings as context (a plain pino child has no captureError, and a caller probing
  // for it would silently report nothing).
  const build = (instance: pino.Logger, bindings: LogFields): FractalLogger => {
    const self: FractalLogger = {
      ...wrap(instance),
      child: (more) => build(instance.child(redactSecrets(more)), { ...bindings, ...more }),
      setTags,
      captureError: (err, context) => {
        const merged = { ...bindings, ...context };
        let msg = 'captured error';
        try {
          msg = err instanceof Error ? err.message : String(err);
          instance.error({ ...context, err }, msg);
        } catch {
          self.error({ logFieldsUnreadable: true }, typeof msg === 'string' ? msg : 'captured error');
        }
        try {
          if (!closed) reporter?.capture(err, Object.keys(merged).length > 0 ? merged : context);
        } catch {
          // Sentry must not turn a reported error into a thrown one.
        }
      },
      flush,
      shutdown,
    };
    return self;
  };
  const logger = build(root, {});
  return { logger, report };
}

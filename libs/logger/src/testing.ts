import { assembleLogger } from './fractal-logger';
import { LOG_LEVELS } from './options';
import { redactSecrets } from './redact';
import type { ErrorReporter } from './sentry-reporter';
import type { FractalLogger, LogFields, LogLevel } from './types';
import type { LoggerError } from './errors';

export interface MemoryLogger {
  logger: FractalLogger;
  /** Every line as parsed JSON, after redaction, in order. */
  lines: Array<Record<string, unknown>>;
  /** Every error given to `captureError` (what would have gone to Sentry). */
  captured: unknown[];
  /** The context passed with each captured error, redacted, same index as `captured`. */
  capturedContexts: Array<LogFields | undefined>;
  /** Tags set through `setTags`, merged. */
  tags: Record<string, string>;
  /** Background failures the logger reported. */
  internalErrors: LoggerError[];
}

/**
 * A FractalLogger for other projects' unit tests: same redaction and child bindings as the real
 * one, lines kept in memory, Sentry replaced by a recorder. Level defaults to 'trace'.
 */
export function createMemoryLogger(options: { level?: LogLevel } = {}): MemoryLogger {
  const level = options.level ?? 'trace';
  if (!LOG_LEVELS.includes(level)) throw new TypeError(`createMemoryLogger: unknown level ${level}`);
  const memory: MemoryLogger = {
    logger: undefined as unknown as FractalLogger,
    lines: [],
    captured: [],
    capturedContexts: [],
    tags: {},
    internalErrors: [],
  };
  const reporter: ErrorReporter = {
    setTags: (tags) => Object.assign(memory.tags, tags),
    capture: (err, context) => {
      memory.captured.push(err);
      memory.capturedContexts.push(redactSecrets(context));
    },
    flush: async () => true,
    close: async () => true,
  };
  const destination = {
    write: (line: string) => {
      memory.lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  };
  memory.logger = assembleLogger({
    level,
    destination,
    reporter,
    shipper: undefined,
    onInternalError: (err) => memory.internalErrors.push(err),
  }).logger;
  return memory;
}

import type { Logger } from '@fractal/logger';

/** The SDK's logger shape (`@smithy/types` Logger). */
export interface AwsSdkLogger {
  trace(...content: unknown[]): void;
  debug(...content: unknown[]): void;
  info(...content: unknown[]): void;
  warn(...content: unknown[]): void;
  error(...content: unknown[]): void;
}

/** The SDK's logger plugin writes one object per command: `{clientName, commandName, input, ...}`. */
const isCommandLine = (content: unknown[]): boolean =>
  typeof content[0] === 'object' && content[0] !== null && 'commandName' in content[0];

const text = (content: unknown[]): string =>
  content
    .map((c) => (typeof c === 'string' ? c : c instanceof Error ? c.message : JSON.stringify(c)))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 2_000);

/**
 * S3 client settings that send the SDK's own warnings (socket pool full, a request past its
 * timeout, several credential sources) to our JSON log instead of `console.warn` on stderr.
 * Its per-command lines (info on success, error on failure) carry request inputs and repeat what
 * the config store reports itself, so they and trace/debug are dropped.
 */
export function awsSdkLogging(logger: Logger): {
  logger: AwsSdkLogger;
  requestHandler: { logger: AwsSdkLogger };
} {
  const log = logger.child({ component: 'aws-sdk' });
  const sdkLogger: AwsSdkLogger = {
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: (...content) => {
      if (!isCommandLine(content)) log.warn({}, text(content));
    },
    error: (...content) => {
      if (!isCommandLine(content)) log.error({}, text(content));
    },
  };
  return { logger: sdkLogger, requestHandler: { logger: sdkLogger } };
}

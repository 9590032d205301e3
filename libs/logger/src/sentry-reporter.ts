import {
  NodeClient,
  Scope,
  defaultStackParser,
  linkedErrorsIntegration,
  makeNodeTransport,
  nodeContextIntegration,
} from '@sentry/node';
import type { Breadcrumb, ErrorEvent } from '@sentry/node';
import { redactSecrets } from './redact';
import type { AppEnv, LogFields } from './types';

/** What a FractalLogger needs from an error tracker; Sentry in production, a recorder in tests. */
export interface ErrorReporter {
  setTags(tags: Record<string, string>): void;
  capture(err: unknown, context: LogFields | undefined): void;
  /** Resolves true when everything was sent within `timeoutMs`. */
  flush(timeoutMs: number): Promise<boolean>;
  close(timeoutMs: number): Promise<boolean>;
}

export interface SentryReporterOptions {
  dsn: string;
  environment: AppEnv;
  release: string | undefined;
}

/**
 * A dedicated NodeClient + Scope rather than the global `Sentry.init`, so several loggers (and
 * tests) live side by side and nothing global is patched. Only integrations that patch no
 * globals are installed: no http/fetch/console instrumentation, no uncaught-exception handler
 * (signal and crash handling belong to the app), no tracing.
 */
export function createSentryReporter(options: SentryReporterOptions): ErrorReporter {
  const client = new NodeClient({
    dsn: options.dsn,
    environment: options.environment,
    release: options.release,
    transport: makeNodeTransport,
    stackParser: defaultStackParser,
    integrations: [linkedErrorsIntegration(), nodeContextIntegration()],
    beforeSend: (event: ErrorEvent) => redactSecrets(event),
    beforeBreadcrumb: (crumb: Breadcrumb) => redactSecrets(crumb),
    sendClientReports: false,
    enableRuntimeChannelInjection: false,
  });
  const scope = new Scope();
  scope.setClient(client);
  client.init();

  return {
    setTags: (tags) => {
      scope.setTags(tags);
    },
    capture: (err, context) => {
      const eventScope = scope.clone();
      if (context !== undefined) eventScope.setExtras(redactSecrets(context));
      eventScope.captureException(err);
    },
    flush: async (timeoutMs) => client.flush(timeoutMs),
    close: async (timeoutMs) => client.close(timeoutMs),
  };
}

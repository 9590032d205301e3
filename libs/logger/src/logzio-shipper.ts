import { createLogger as createLogzioClient } from 'logzio-nodejs';
import { LoggerError } from './errors';
import type { ResolvedLogzio } from './options';

type LogzioClient = ReturnType<typeof createLogzioClient>;

// Fields of logzio-nodejs 2.5 that its typings leave out. We read them to know how many bulks
// are still in flight (each bulk ends in exactly one callback) and to replace its send timer.
interface LogzioInternals {
  messages: unknown[];
  bulkId: number;
  timer: NodeJS.Timeout | null;
}

/** A pino destination that hands each (already redacted) line to logzio-nodejs, which batches. */
export interface LogShipper {
  write(line: string): void;
  /** Sends what is buffered; resolves when no bulk is in flight any more. */
  flush(): Promise<void>;
  /** Run-once: sends what is buffered, stops the timer; resolves when no bulk is in flight. */
  close(): Promise<void>;
}

const LEVEL_LABELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** logz.io shows `message` and indexes `level` as text; pino writes `msg` and a number. */
export function toLogzioRecord(line: string): Record<string, unknown> {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { message: line.trimEnd() };
  }
  if (record['msg'] !== undefined && record['message'] === undefined) {
    record['message'] = record['msg'];
    delete record['msg'];
  }
  const label = typeof record['level'] === 'number' ? LEVEL_LABELS[record['level']] : undefined;
  if (label !== undefined) record['level'] = label;
  return record;
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '8070', 'https:': '8071' };

export function createLogzioShipper(
  options: ResolvedLogzio,
  onError: (err: LoggerError) => void,
): LogShipper {
  const { listener, token } = options;
  // Never put the token (a query parameter of the library's URL) into a message.
  const where = `${listener.protocol}//${listener.host}`;
  const scrub = (text: string): string => text.split(token).join('[REDACTED]');
  let completed = 0;
  let waiters: Array<() => void> = [];
  let closed = false;

  const inFlight = (): number => client.bulkId - 1 - completed;
  const settleWaiters = (): void => {
    if (inFlight() > 0) return;
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve();
  };
  const onBulkDone = (err?: Error, bulk?: object): void => {
    completed += 1;
    if (err) {
      const lines = (bulk as { msgs?: unknown[] } | undefined)?.msgs?.length ?? 0;
      onError(
        new LoggerError(
          'SHIP_FAILED',
          `logz.io shipping to ${where} lost ${lines} log lines: ${scrub(err.message)}; ` +
            'check the listener URL, the token and the network',
        ),
      );
    }
    settleWaiters();
  };

  const client = createLogzioClient({
    token,
    protocol: listener.protocol.slice(0, -1),
    host: listener.hostname,
    port: listener.port || DEFAULT_PORTS[listener.protocol],
    type: options.type,
    bufferSize: options.bufferSize,
    timeout: options.requestTimeoutMs,
    numberOfRetries: options.attempts,
    sleepUntilNextRetry: Math.min(2_000, options.requestTimeoutMs),
    // Its default sink is console; failures reach onBulkDone instead.
    internalLogger: { log: () => undefined },
    supressErrors: true,
    addOtelContext: false,
    callback: onBulkDone,
  }) as LogzioClient & LogzioInternals;

  // The library's own send timer is not unref'd and would keep the process alive; ours is.
  if (client.timer) clearTimeout(client.timer);
  client.timer = null;
  const sendPending = (): void => {
    // flush() replaces the library's callback, so ours is passed every time.
    if (client.messages.length > 0) client.flush(onBulkDone);
  };
  const interval = setInterval(sendPending, options.sendIntervalMs);
  interval.unref();

  const drained = (): Promise<void> =>
    new Promise<void>((resolve) => {
      waiters.push(resolve);
      settleWaiters();
    });

  return {
    write: (line) => {
      if (closed) return;
      client.log(toLogzioRecord(line));
    },
    flush: () => {
      if (!closed) sendPending();
      return drained();
    },
    close: () => {
      if (!closed) {
        closed = true;
        clearInterval(interval);
        client.close();
      }
      return drained();
    },
  };
}

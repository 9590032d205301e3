import { errorMessage } from '../util/error-message';

export interface PendingUploads {
  retryPending(): Promise<{ uploaded: number; remaining: number }>;
}

export interface PendingRetryLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Calls `fn` every `everyMs` until the returned cancel runs; injectable so specs need not sleep. */
export type Every = (everyMs: number, fn: () => void) => () => void;

/** The real `Every`: an interval that never keeps the process alive. */
export const unrefInterval: Every = (everyMs, fn) => {
  const timer = setInterval(fn, everyMs);
  timer.unref();
  return () => clearInterval(timer);
};

/**
 * Config archives whose upload failed wait on disk; try them now (an earlier run may have left
 * some) and then every `everyMs`. The timer never keeps the process alive.
 */
export function retryPendingUploads(
  configs: PendingUploads,
  logger: PendingRetryLogger,
  everyMs = 10 * 60_000,
  every: Every = unrefInterval,
): { stop(): void } {
  let running = false;
  const tick = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const { uploaded, remaining } = await configs.retryPending();
      if (uploaded > 0 || remaining > 0)
        logger.info({ uploaded, remaining }, 'retried pending config uploads');
    } catch (err) {
      logger.warn({ err: errorMessage(err) }, 'retrying pending config uploads failed');
    } finally {
      running = false;
    }
  };
  void tick();
  const cancel = every(everyMs, () => void tick());
  return { stop: cancel };
}

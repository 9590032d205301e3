import type { UserConfigLogger } from '../logger';
import type { ConfigStore } from '../stores/config-store';
import type { PendingArchives } from './pending-archives';

/** Everything `restoreNewest` and `uploadNewest` need from the sync. */
export interface SyncContext {
  store: ConfigStore;
  pending: PendingArchives;
  logger: UserConfigLogger;
  captureError: (err: unknown, context?: Record<string, unknown>) => void;
  progressEveryMs: number;
}

import type { DaemonStep } from './step';

/**
 * Slack over the step budgets for what no step accounts for: the event loop between steps and
 * the hard-stop timer's own lateness. Small on purpose: the budgets themselves are worst cases.
 */
export const SHUTDOWN_MARGIN_MS = 5_000;

/**
 * The whole shutdown's hard deadline (main.ts), derived so it can never disagree with the steps:
 * every step may use its full budget and the last one still runs.
 */
export function shutdownDeadlineMs(steps: readonly Pick<DaemonStep, 'timeoutMs'>[]): number {
  return steps.reduce((sum, step) => sum + step.timeoutMs, 0) + SHUTDOWN_MARGIN_MS;
}

type Work = () => Promise<void> | void;

/** Registers an undo that library code sets up inside a step (an ops listener, the ECS agent). */
export type DeferUndo = (name: string, timeoutMs: number, run: () => Promise<void>) => void;

/**
 * One part of the daemon, in start order. `timeoutMs` is its whole shutdown budget: its own `stop`
 * plus every undo its `start` registers through `defer`. The shutdown deadline is the sum of these
 * budgets (./budgets.ts), so no step can be given more time than the deadline leaves it.
 */
export interface DaemonStep {
  readonly name: string;
  readonly timeoutMs: number;
  /** Does the step's I/O. Start-up is bounded by systemd's TimeoutStartSec, not here. */
  readonly start?: (defer: DeferUndo) => Promise<void> | void;
  /**
   * Registered before `start` runs, so a start that fails half-way is undone too: it must cope with
   * whatever part of the start happened (nothing, when it failed first thing).
   */
  readonly stop?: Work;
  /** What it does instead when the daemon detaches: the same (undefined), nothing (null), or this. */
  readonly onDetach?: Work | null;
}

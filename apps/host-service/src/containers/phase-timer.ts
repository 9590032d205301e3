import { performance } from 'node:perf_hooks';

/** Called once per phase of a spin-up with its duration (the spin-up bench's breakdown). */
export type OnPhase = (phase: string, ms: number, fractalId: string) => void;

/**
 * Times the phases of one spin-up. Phases may overlap (resources acquired concurrently), so the
 * sum can exceed the total. The durations are logged at debug level and handed to `onPhase`.
 */
export class PhaseTimer {
  readonly timings: Record<string, number> = {};
  private readonly start = performance.now();

  async time<T>(phase: string, work: () => Promise<T> | T): Promise<T> {
    const t = performance.now();
    try {
      return await work();
    } finally {
      this.timings[phase] = round(performance.now() - t);
    }
  }

  record(phase: string, ms: number): void {
    this.timings[phase] = round(ms);
  }

  /** Closes the timer: `total` is the whole spin-up. */
  finish(fractalId: string, onPhase?: OnPhase): Record<string, number> {
    this.timings.total = round(performance.now() - this.start);
    if (onPhase) for (const [phase, ms] of Object.entries(this.timings)) onPhase(phase, ms, fractalId);
    return this.timings;
  }
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

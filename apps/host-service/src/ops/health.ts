import { errorMessage } from '../util/error-message';

export interface HealthDeps {
  /** Resolves when the Docker engine answers; rejects otherwise. Bounded by `pingTimeoutMs`. */
  readonly pingDocker: () => Promise<unknown>;
  /** Since when the Docker event stream has been down (ms since the epoch), or null while up. */
  readonly eventStreamDownSince: () => number | null;
  readonly shuttingDown: () => boolean;
  readonly now?: () => number;
  readonly pingTimeoutMs?: number;
  /** How long the event stream may be down before the host counts as unhealthy. */
  readonly eventStreamGraceMs?: number;
}

export type HealthReport = { status: 'ok' } | { status: 'unhealthy'; reasons: string[] };

/** `GET /healthz`: the reasons the host cannot do its job right now, checked at call time. */
export async function checkHealth(deps: HealthDeps): Promise<HealthReport> {
  const now = (deps.now ?? Date.now)();
  const reasons: string[] = [];
  if (deps.shuttingDown()) reasons.push('shutting down');
  const timeoutMs = deps.pingTimeoutMs ?? 2_000;
  try {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer to a ping within ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([deps.pingDocker(), late]).finally(() => clearTimeout(timer));
  } catch (err) {
    reasons.push(`Docker unreachable: ${errorMessage(err)}`);
  }
  const downSince = deps.eventStreamDownSince();
  const grace = deps.eventStreamGraceMs ?? 30_000;
  if (downSince !== null && now - downSince > grace) {
    reasons.push(`Docker event stream down for ${Math.round((now - downSince) / 1000)} s`);
  }
  return reasons.length === 0 ? { status: 'ok' } : { status: 'unhealthy', reasons };
}

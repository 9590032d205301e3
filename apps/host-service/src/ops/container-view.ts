import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerSource, ContainerSummary, ContainerView } from './ops-types';

/** The fields of a tracked container the ops view reads (today's `TrackedContainer`). */
export interface TrackedLike {
  readonly fractalId: string;
  readonly appName: string;
  readonly phase: string;
  readonly dockerId?: string;
  readonly createdAt?: number;
  readonly dirs?: { readonly resources: string };
  readonly held: {
    readonly ports: readonly { containerPort: number; protocol: string; hostPort: number }[];
    readonly tty?: number;
  };
  readonly startValues?: { readonly userId: string };
  readonly token?: { readonly userId: string };
}

/**
 * Adapts the container registry to the ops view. `sourceOf` says which containers the ECS agent
 * created; everything else came through our API.
 */
export function trackedContainerView(
  list: () => readonly TrackedLike[],
  sourceOf: (fractalId: string) => ContainerSource,
): ContainerView {
  const summarize = (t: TrackedLike): ContainerSummary => ({
    fractalId: t.fractalId,
    dockerId: t.dockerId ?? null,
    appName: t.appName,
    userId: t.startValues?.userId ?? t.token?.userId ?? null,
    hostPorts: Object.fromEntries(t.held.ports.map((p) => [`${p.containerPort}/${p.protocol}`, p.hostPort])),
    tty: t.held.tty ?? null,
    phase: t.phase,
    // `.ready` is written last, once the session may start: its presence is the truth.
    ready: t.dirs !== undefined && existsSync(join(t.dirs.resources, '.ready')),
    source: sourceOf(t.fractalId),
    createdAt: new Date(t.createdAt ?? Date.now()).toISOString(),
  });
  return {
    list: () => list().map(summarize),
    get: (fractalId) => {
      const found = list().find((t) => t.fractalId === fractalId);
      return found === undefined ? undefined : summarize(found);
    },
  };
}

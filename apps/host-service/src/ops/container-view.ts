import type { ContainerView as RecordView } from '../containers/model';
import type { ContainerSummary, ContainerView } from './ops-types';

/**
 * Adapts the container manager's records to the ops view. Phase, readiness, source and creation
 * time are the record's own (checkpointed), so they survive a restart that adopted the container.
 */
export function containerSummaries(list: () => readonly RecordView[]): ContainerView {
  const summarize = (c: RecordView): ContainerSummary => ({
    fractalId: c.fractalId,
    dockerId: c.dockerId ?? null,
    appName: c.appName,
    userId: c.userId ?? c.token?.userId ?? null,
    hostPorts: Object.fromEntries(c.hostPorts.map((p) => [`${p.containerPort}/${p.protocol}`, p.hostPort])),
    tty: c.tty ?? null,
    phase: c.phase,
    ready: c.ready,
    source: c.source,
    createdAt: new Date(c.createdAt).toISOString(),
  });
  return {
    list: () => list().map(summarize),
    get: (fractalId) => {
      const found = list().find((c) => c.fractalId === fractalId);
      return found === undefined ? undefined : summarize(found);
    },
  };
}

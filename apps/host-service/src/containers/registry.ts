import type { ContainerRecord } from './container-record';
import type { Taken } from './resources';

export interface Entry {
  readonly record: ContainerRecord;
  /** What its resources took; what release gives back. */
  readonly taken: Taken;
}

/**
 * Live containers with O(1) lookup by FractalID, Docker id and identifying host port. All
 * updates are synchronous, so the indexes agree with each other between any two awaits.
 */
export class ContainerRegistry {
  private readonly byFractal = new Map<string, Entry>();
  private readonly byDocker = new Map<string, Entry>();
  private readonly byPort = new Map<number, Entry>();

  add(entry: Entry): void {
    const { record } = entry;
    if (this.byFractal.has(record.fractalId)) {
      throw new Error(`container ${record.fractalId} is already registered`);
    }
    const other = record.hostPort === undefined ? undefined : this.byPort.get(record.hostPort);
    if (other) {
      throw new Error(`host port ${record.hostPort} already identifies container ${other.record.fractalId}`);
    }
    this.byFractal.set(record.fractalId, entry);
    if (record.dockerId !== undefined) this.byDocker.set(record.dockerId, entry);
    if (record.hostPort !== undefined) this.byPort.set(record.hostPort, entry);
  }

  /** Call after the record's `created` transition. */
  indexDockerId(entry: Entry): void {
    if (this.byFractal.get(entry.record.fractalId) !== entry || entry.record.dockerId === undefined) return;
    this.byDocker.set(entry.record.dockerId, entry);
  }

  remove(entry: Entry): void {
    const { record } = entry;
    if (this.byFractal.get(record.fractalId) !== entry) return;
    this.byFractal.delete(record.fractalId);
    if (record.dockerId !== undefined && this.byDocker.get(record.dockerId) === entry) {
      this.byDocker.delete(record.dockerId);
    }
    if (record.hostPort !== undefined && this.byPort.get(record.hostPort) === entry) {
      this.byPort.delete(record.hostPort);
    }
  }

  byFractalId(id: string): Entry | undefined {
    return this.byFractal.get(id);
  }

  byDockerId(id: string): Entry | undefined {
    return this.byDocker.get(id);
  }

  byHostPort(port: number): Entry | undefined {
    return this.byPort.get(port);
  }

  all(): Entry[] {
    return [...this.byFractal.values()];
  }

  get size(): number {
    return this.byFractal.size;
  }
}

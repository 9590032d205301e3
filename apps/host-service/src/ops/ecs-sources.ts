import type { ContainerSource } from './ops-types';

interface Reserver {
  reserve(req: never): Promise<{ fractalId: string }>;
}

/** Remembers which containers the ECS agent created (the reservations made through its hook). */
export class EcsSources {
  private readonly ids = new Set<string>();

  /** `manager` with `reserve` marking each reservation as the ECS agent's. */
  wrap<M extends Reserver>(manager: M): M {
    const reserve = manager.reserve.bind(manager) as (req: unknown) => Promise<{ fractalId: string }>;
    return new Proxy(manager, {
      get: (target, prop, receiver) => {
        if (prop !== 'reserve') {
          const value = Reflect.get(target, prop, receiver) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        }
        return async (req: unknown) => {
          const reservation = await reserve(req);
          this.ids.add(reservation.fractalId);
          return reservation;
        };
      },
    });
  }

  sourceOf(fractalId: string): ContainerSource {
    return this.ids.has(fractalId) ? 'ecs' : 'api';
  }

  /** Forgets containers that are gone, so the set stays as small as the registry. */
  retain(live: ReadonlySet<string>): void {
    for (const id of this.ids) if (!live.has(id)) this.ids.delete(id);
  }
}

import { mulberry32 } from '@tools/testing';
import type { DesiredBinding } from './desired-binding';
import { PortAllocator } from './port-allocator';
import { PortBindingError } from './port-binding-error';
import type { PortProbe } from './port-probe';
import type { Protocol } from './protocol';

/** Seeded, so a failing run replays exactly. */
const prng = mulberry32;

const MIN = 2000;
const MAX = 2011;
const PROTOCOLS: Protocol[] = ['tcp', 'udp'];

/** The allocator's contract written the obvious way: one FIFO array of free ports per protocol. */
class Model {
  readonly free: Record<Protocol, number[]> = { tcp: [], udp: [] };
  readonly holder: Record<Protocol, Map<number, string>> = { tcp: new Map(), udp: new Map() };
  readonly reserved: Record<Protocol, Set<number>> = { tcp: new Set(), udp: new Set() };
  readonly owners = new Map<string, Array<{ port: number; protocol: Protocol }>>();

  constructor() {
    for (const p of PROTOCOLS) for (let port = MIN; port <= MAX; port += 1) this.free[p].push(port);
  }

  giveBack(port: number, protocol: Protocol): void {
    this.holder[protocol].delete(port);
    if (port >= MIN && port <= MAX && !this.reserved[protocol].has(port)) this.free[protocol].push(port);
  }

  allocate(owner: string, desired: DesiredBinding[]): number[] | string {
    const keys = desired.filter((d) => d.hostPort !== 0).map((d) => `${d.hostPort}/${d.protocol}`);
    if (new Set(keys).size !== keys.length) return 'INVALID_BINDING';
    const got: Array<number | undefined> = desired.map(() => undefined);
    const fail = (code: string): string => {
      got.forEach(
        (port, i) => port !== undefined && this.giveBack(port, (desired[i] as DesiredBinding).protocol),
      );
      return code;
    };
    for (const [i, d] of desired.entries()) {
      if (d.hostPort === 0) continue;
      const free = this.free[d.protocol];
      if (d.hostPort < MIN || d.hostPort > MAX) return fail('PORT_OUT_OF_RANGE');
      if (this.reserved[d.protocol].has(d.hostPort)) return fail('PORT_RESERVED');
      if (!free.includes(d.hostPort)) return fail('PORT_IN_USE');
      free.splice(free.indexOf(d.hostPort), 1);
      got[i] = d.hostPort;
    }
    for (const [i, d] of desired.entries()) {
      if (d.hostPort !== 0) continue;
      const port = this.free[d.protocol].shift();
      if (port === undefined) return fail('PORTS_EXHAUSTED');
      got[i] = port;
    }
    const held = this.owners.get(owner) ?? [];
    got.forEach((port, i) => {
      const protocol = (desired[i] as DesiredBinding).protocol;
      this.holder[protocol].set(port as number, owner);
      held.push({ port: port as number, protocol });
    });
    if (held.length > 0) this.owners.set(owner, held);
    return got as number[];
  }

  free_(owner: string): number[] {
    const held = this.owners.get(owner) ?? [];
    this.owners.delete(owner);
    for (const b of held) this.giveBack(b.port, b.protocol);
    return held.map((b) => b.port);
  }

  release(owner: string, port: number, protocol: Protocol): string | undefined {
    if (this.holder[protocol].get(port) !== owner) {
      return this.reserved[protocol].has(port) ? 'PORT_RESERVED' : 'NOT_HELD';
    }
    const rest = (this.owners.get(owner) ?? []).filter((b) => !(b.port === port && b.protocol === protocol));
    if (rest.length === 0) this.owners.delete(owner);
    else this.owners.set(owner, rest);
    this.giveBack(port, protocol);
    return undefined;
  }

  reserve(port: number, protocol: Protocol): void {
    this.reserved[protocol].add(port);
    const free = this.free[protocol];
    if (free.includes(port)) free.splice(free.indexOf(port), 1);
  }
}

function codeOf(run: () => unknown): unknown {
  try {
    return run();
  } catch (err) {
    if (err instanceof PortBindingError) return err.code;
    throw err;
  }
}

async function codeOfAsync(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof PortBindingError) return err.code;
    throw err;
  }
}

describe('PortAllocator against a reference model (seeded random operations)', () => {
  it.each([1, 2, 3, 4, 5, 6])(
    'seed %i: same answers and same free order for 500 operations',
    async (seed) => {
      const rand = prng(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
      const port = (): number => MIN - 1 + Math.floor(rand() * (MAX - MIN + 3));
      const allocator = new PortAllocator({ minPort: MIN, maxPort: MAX });
      const model = new Model();
      const owners = ['a', 'b', 'c', 'd'];

      for (let step = 0; step < 500; step += 1) {
        const op = rand();
        const owner = pick(owners);
        const where = `seed ${seed} step ${step}`;
        if (op < 0.45) {
          const desired = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, i) => ({
            containerPort: 100 + i,
            protocol: pick(PROTOCOLS),
            hostPort: rand() < 0.6 ? 0 : port(),
          }));
          const got = await codeOfAsync(async () =>
            (await allocator.allocate(owner, desired)).map((b) => b.hostPort),
          );
          expect([where, got]).toEqual([where, model.allocate(owner, desired)]);
        } else if (op < 0.65) {
          expect([where, allocator.free(owner).map((b) => b.hostPort)]).toEqual([where, model.free_(owner)]);
        } else if (op < 0.9) {
          const [p, protocol] = [port(), pick(PROTOCOLS)];
          expect([where, codeOf(() => allocator.release(owner, p, protocol))]).toEqual([
            where,
            model.release(owner, p, protocol),
          ]);
        } else {
          const [p, protocol] = [port(), pick(PROTOCOLS)];
          allocator.reserve(p, protocol);
          model.reserve(p, protocol);
        }
        const state = (
          holderOf: (p: number, protocol: Protocol) => string | undefined,
          inUse: (p: Protocol) => number,
        ) =>
          PROTOCOLS.map((protocol) => [
            inUse(protocol),
            Array.from({ length: MAX - MIN + 3 }, (_, i) => holderOf(MIN - 1 + i, protocol) ?? '-').join(),
          ]);
        expect([
          where,
          state(
            (p, pr) => allocator.holderOf(p, pr),
            (pr) => allocator.inUse(pr),
          ),
        ]).toEqual([
          where,
          state(
            (p, pr) => model.holder[pr].get(p),
            (pr) => model.holder[pr].size,
          ),
        ]);
      }
      // The whole free order: taking everything hands ports out exactly in the model's FIFO order.
      for (const protocol of PROTOCOLS) {
        const all = model.free[protocol].map(() => ({ containerPort: 1, protocol, hostPort: 0 }));
        const got = (await allocator.allocate('drain', all)).map((b) => b.hostPort);
        expect(got).toEqual(model.free[protocol]);
      }
    },
  );
});

/** A host where each probe answers after a random number of ticks, and some ports are busy. */
class RandomProbe implements PortProbe {
  constructor(
    private readonly rand: () => number,
    private readonly busy: Set<string>,
  ) {}

  async isFree(port: number, protocol: Protocol): Promise<boolean> {
    const ticks = Math.floor(this.rand() * 4);
    for (let i = 0; i < ticks; i += 1) await new Promise((r) => setImmediate(r));
    return !this.busy.has(`${port}/${protocol}`);
  }
}

describe('PortAllocator under concurrent allocations with an async probe', () => {
  it.each([11, 12, 13, 14, 15])('seed %i: no port twice, all or none, nothing lost', async (seed) => {
    const rand = prng(seed);
    const busy = new Set<string>();
    for (let p = MIN; p <= MAX; p += 1) if (rand() < 0.25) busy.add(`${p}/${rand() < 0.5 ? 'tcp' : 'udp'}`);
    const allocator = new PortAllocator({ minPort: MIN, maxPort: MAX, probe: new RandomProbe(rand, busy) });

    for (let round = 0; round < 30; round += 1) {
      const calls = Array.from({ length: 2 + Math.floor(rand() * 4) }, (_, n) => {
        const owner = `r${round}-${n}`;
        const desired = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, i) => ({
          containerPort: 100 + i,
          protocol: (rand() < 0.5 ? 'tcp' : 'udp') as Protocol,
          hostPort: rand() < 0.8 ? 0 : MIN + Math.floor(rand() * (MAX - MIN + 1)),
        }));
        return allocator.allocate(owner, desired).then(
          (bindings) => ({ owner, desired, bindings }),
          (err: unknown) => {
            if (!(err instanceof PortBindingError)) throw err;
            return { owner, desired, bindings: undefined };
          },
        );
      });
      const results = await Promise.all(calls);
      for (const { owner, desired, bindings } of results) {
        expect(allocator.heldBy(owner)).toEqual(bindings ?? []); // all or none
        for (const [i, b] of (bindings ?? []).entries()) {
          expect(busy.has(`${b.hostPort}/${b.protocol}`)).toBe(false);
          if (desired[i]?.hostPort !== 0) expect(b.hostPort).toBe(desired[i]?.hostPort);
        }
      }
      for (const protocol of PROTOCOLS) {
        const held = results.flatMap((r) => (r.bindings ?? []).filter((b) => b.protocol === protocol));
        expect(new Set(held.map((b) => b.hostPort)).size).toBe(held.length); // no port twice
        expect(allocator.inUse(protocol)).toBe(held.length);
      }
      // Free some owners now, the rest next round; either way every port comes back.
      for (const r of results) if (rand() < 0.7) allocator.free(r.owner);
      for (const r of results) allocator.free(r.owner);
      for (const protocol of PROTOCOLS) expect(allocator.inUse(protocol)).toBe(0);
    }
    // Nothing was lost: every port, busy ones included, can still be named once everyone let go.
    for (const protocol of PROTOCOLS) {
      for (let p = MIN; p <= MAX; p += 1) expect(allocator.isAllocated(p, protocol)).toBe(false);
      busy.clear();
      const all = Array.from({ length: MAX - MIN + 1 }, (_, i) => ({
        containerPort: 1,
        protocol,
        hostPort: MIN + i,
      }));
      await expect(allocator.allocate('everything', all)).resolves.toHaveLength(MAX - MIN + 1);
      allocator.free('everything');
    }
  });
});

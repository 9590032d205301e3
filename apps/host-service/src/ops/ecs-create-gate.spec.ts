import { CreateHookError } from '@fractal/ecsagent-bridge';
import type { ContainerCreateHook } from '@fractal/ecsagent-bridge';
import { gateEcsCreates } from './ecs-create-gate';

describe('gateEcsCreates', () => {
  const outcomes: string[] = [];
  const hook: ContainerCreateHook = {
    beforeCreate: async (req) => ({
      body: { ...req.body, Labels: { gated: 'yes' } },
      onOutcome: async (o) => void outcomes.push(o.ok ? o.id : o.message),
    }),
  };

  it('refuses creates with 503 while refusing, without calling the hook', async () => {
    const gated = gateEcsCreates(hook, {
      refuseCreates: () => 'host is draining',
      spinUpObserved: () => undefined,
    });
    const err = await gated.beforeCreate({ body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CreateHookError);
    expect(err).toMatchObject({ statusCode: 503, message: 'host is draining' });
  });

  it('passes creates through and times the successful ones', async () => {
    const times: number[] = [];
    const gated = gateEcsCreates(hook, {
      refuseCreates: () => undefined,
      spinUpObserved: (s) => void times.push(s),
    });
    const plan = await gated.beforeCreate({ body: {} });
    expect(plan.body.Labels).toEqual({ gated: 'yes' });
    await plan.onOutcome({ ok: false, statusCode: 500, message: 'no' });
    await plan.onOutcome({ ok: true, id: 'abc' });
    expect(outcomes).toEqual(['no', 'abc']);
    expect(times).toHaveLength(1);
  });
});

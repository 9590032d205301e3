import { CreateHookError } from '@fractal/ecsagent-bridge';
import type { ContainerCreateHook } from '@fractal/ecsagent-bridge';

export interface EcsCreateGateDeps {
  /** Why new containers are refused right now (the drain), or undefined to let them through. */
  readonly refuseCreates: () => string | undefined;
  readonly spinUpObserved: (seconds: number) => void;
}

/**
 * Wraps the ECS create hook: while the host drains, the agent's creates get a Docker-style
 * `503 {"message"}` (the agent retries the task on another instance); otherwise it times each
 * create from the request to Docker's answer for `fractal_spin_up_seconds`.
 */
export function gateEcsCreates(hook: ContainerCreateHook, deps: EcsCreateGateDeps): ContainerCreateHook {
  return {
    async beforeCreate(req) {
      const refusal = deps.refuseCreates();
      if (refusal !== undefined) throw new CreateHookError(503, refusal);
      const started = performance.now();
      const plan = await hook.beforeCreate(req);
      return {
        body: plan.body,
        async onOutcome(outcome) {
          await plan.onOutcome(outcome);
          if (outcome.ok) deps.spinUpObserved((performance.now() - started) / 1000);
        },
      };
    },
  };
}

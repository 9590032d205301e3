import { CreateHookError } from '@fractal/ecsagent-bridge';
import type {
  ContainerCreateBody,
  ContainerCreateHook,
  ContainerCreateRequest,
  CreatePlan,
} from '@fractal/ecsagent-bridge';
import type { Logger } from '@fractal/logger';
import type { DesiredBinding, Protocol } from '@fractal/portbindings';
import { parseProtocol } from '@fractal/portbindings';
import type { ContainerManager, ContainerReservation, CreateBody } from '../containers';
import { checkCreateBodyShape } from './create-body-shape';
import { errorMessage } from '../util/error-message';

export { FRACTAL_ID_PLACEHOLDER } from '../containers';

export interface FractalCreateHookDeps {
  manager: Pick<ContainerManager, 'reserve' | 'attach' | 'cleanUp'>;
  logger: Logger;
}

type PortBindings = NonNullable<NonNullable<ContainerCreateBody['HostConfig']>['PortBindings']>;

/** `fractal/<app>:<tag>` (with or without a registry in front) → `<app>`. */
export function appNameFromImage(image: string | undefined): string {
  const withoutDigest = (image ?? '').split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const repo = withoutDigest.slice(lastSlash + 1);
  const colon = repo.indexOf(':');
  const name = colon >= 0 ? repo.slice(0, colon) : repo;
  return name.length > 0 ? name : 'unknown-app';
}

function desiredBindings(bindings: PortBindings): Array<DesiredBinding & { key: string }> {
  const desired: Array<DesiredBinding & { key: string }> = [];
  for (const [key, list] of Object.entries(bindings)) {
    const [portText, protocolText = 'tcp'] = key.split('/');
    const containerPort = Number(portText);
    let protocol: Protocol;
    try {
      protocol = parseProtocol(protocolText);
    } catch (err) {
      throw new CreateHookError(400, `port binding ${key}: ${errorMessage(err)}`);
    }
    const first = list?.[0] ?? {};
    const requested = first.HostPort ? Number(first.HostPort) : 0;
    if (!Number.isInteger(containerPort) || !Number.isInteger(requested)) {
      throw new CreateHookError(400, `port binding ${key} -> ${first.HostPort ?? ''} is not a number`);
    }
    desired.push({
      key,
      containerPort,
      protocol,
      hostPort: requested,
      ...(first.HostIp ? { bindIp: first.HostIp } : {}),
    });
  }
  return desired;
}

/**
 * What the Go fork did inside the ECS agent, as a hook of the Docker API interposer: each create
 * gets a FractalID, our host ports, its own bind dirs, the uinput devices and a TTY, through the
 * same resource code as a spin-up; a refused create gives everything back.
 */
export function createFractalCreateHook(deps: FractalCreateHookDeps): ContainerCreateHook {
  const log = deps.logger.child({ component: 'ecs-hook' });
  return {
    async beforeCreate(req: ContainerCreateRequest): Promise<CreatePlan> {
      checkCreateBodyShape(req.body);
      const appName = appNameFromImage(req.body.Image);
      const desired = desiredBindings(req.body.HostConfig?.PortBindings ?? {});
      let reservation: ContainerReservation;
      try {
        reservation = await deps.manager.reserve({
          appName,
          source: 'ecs',
          desired: desired.map((d) => ({
            containerPort: d.containerPort,
            protocol: d.protocol,
            hostPort: d.hostPort,
            ...(d.bindIp ? { bindIp: d.bindIp } : {}),
          })),
        });
      } catch (err) {
        throw new CreateHookError(
          500,
          `fractal host service could not reserve resources for ${appName}: ${errorMessage(err)}`,
        );
      }
      let body: ContainerCreateBody;
      try {
        // The same resource code as a spin-up fills in ports, dirs, devices and labels.
        body = reservation.applyTo(req.body as CreateBody) as ContainerCreateBody;
      } catch (err) {
        // Nothing reaches Docker, so no outcome will come to give the reservation back.
        await deps.manager.cleanUp(reservation.fractalId, 'rewriting the create body failed');
        throw new CreateHookError(
          400,
          `fractal host service could not rewrite the create body: ${errorMessage(err)}`,
        );
      }
      log.info(
        { fractalId: reservation.fractalId, appName, ports: reservation.ports },
        'ECS container create rewritten',
      );
      return {
        body,
        async onOutcome(outcome) {
          if (outcome.ok) {
            await deps.manager.attach(reservation.fractalId, outcome.id, appName);
            return;
          }
          log.warn(
            { fractalId: reservation.fractalId, statusCode: outcome.statusCode, message: outcome.message },
            'docker refused the ECS create; releasing',
          );
          await deps.manager.cleanUp(reservation.fractalId, 'docker refused the create');
        },
      };
    },
  };
}

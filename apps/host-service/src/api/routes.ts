import { Hono } from 'hono';
import type { ContainerManager } from '../containers';
import { ApiError } from './api-error';
import type { BodyEnv } from './middleware';
import { jsonObjectBody, requireAuthSecret, validateBody } from './middleware';
import { configTokenSchema, drainHostSchema, spinUpSchema, startValuesSchema } from './schemas';
import type { z } from 'zod';

export type ApiManager = Pick<
  ContainerManager,
  'spinUp' | 'setStartValues' | 'setConfigToken' | 'byHostPort' | 'byDockerId'
>;

/** The host's drain switch as the API sees it. */
export interface ApiDrain {
  readonly draining: boolean;
  start(reason: string, by: string): boolean;
}

// `all`, not `put`: the body middleware answers other methods with the contract's 400.
export function startValuesRoutes(
  manager: ApiManager,
  webserverAuthSecret: string,
): Hono<BodyEnv<z.infer<typeof startValuesSchema>>> {
  return new Hono<BodyEnv<z.infer<typeof startValuesSchema>>>().all(
    '/',
    jsonObjectBody,
    requireAuthSecret(webserverAuthSecret),
    validateBody(startValuesSchema),
    async (c) => {
      const input = c.get('input');
      c.set('fractalId', manager.byHostPort(input.host_port)?.fractalId);
      await manager.setStartValues({
        hostPort: input.host_port,
        dpi: input.dpi,
        userId: input.user_id,
        clientAppAuthSecret: input.client_app_auth_secret,
        containerARN: input.container_ARN,
      });
      return c.json({ result: 'start values set' }, 200);
    },
  );
}

/** No auth_secret: the client app calls this one. */
export function configTokenRoutes(manager: ApiManager): Hono<BodyEnv<z.infer<typeof configTokenSchema>>> {
  return new Hono<BodyEnv<z.infer<typeof configTokenSchema>>>().all(
    '/',
    jsonObjectBody,
    validateBody(configTokenSchema),
    async (c) => {
      const input = c.get('input');
      c.set('fractalId', manager.byHostPort(input.host_port)?.fractalId);
      await manager.setConfigToken({
        hostPort: input.host_port,
        userId: input.user_id,
        configEncryptionToken: input.config_encryption_token,
        clientAppAuthSecret: input.client_app_auth_secret,
      });
      return c.json({ result: 'config encryption token set' }, 200);
    },
  );
}

export function spinUpRoutes(
  manager: ApiManager,
  webserverAuthSecret: string,
  drain: ApiDrain | undefined,
  spinUpObserved: (seconds: number) => void,
): Hono<BodyEnv<z.infer<typeof spinUpSchema>>> {
  return new Hono<BodyEnv<z.infer<typeof spinUpSchema>>>().all(
    '/',
    jsonObjectBody,
    requireAuthSecret(webserverAuthSecret),
    validateBody(spinUpSchema),
    async (c) => {
      if (drain?.draining) throw new ApiError(406, 'DRAINING', 'host is draining');
      const input = c.get('input');
      const started = performance.now();
      const dockerId = await manager.spinUp({
        appName: input.app_name,
        appImage: input.app_image,
        mountCommand: input.mount_command,
        protocolTimeout: input.protocol_timeout,
      });
      spinUpObserved((performance.now() - started) / 1000);
      c.set('fractalId', manager.byDockerId(dockerId)?.fractalId);
      return c.json({ result: dockerId }, 200);
    },
  );
}

/** The webserver takes the host out of rotation: no new sessions, running ones stay. */
export function drainHostRoutes(
  drain: ApiDrain,
  webserverAuthSecret: string,
): Hono<BodyEnv<z.infer<typeof drainHostSchema>>> {
  return new Hono<BodyEnv<z.infer<typeof drainHostSchema>>>().all(
    '/',
    jsonObjectBody,
    requireAuthSecret(webserverAuthSecret),
    validateBody(drainHostSchema),
    (c) => {
      drain.start('requested by the webserver (PUT /drain_host)', 'api');
      return c.json({ result: 'host is draining' }, 200);
    },
  );
}

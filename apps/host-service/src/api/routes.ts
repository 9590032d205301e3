import { Hono } from 'hono';
import type { ContainerManager } from '../containers';
import type { BodyEnv } from './middleware';
import { jsonObjectBody, requireAuthSecret, validateBody } from './middleware';
import { configTokenSchema, spinUpSchema, startValuesSchema } from './schemas';
import type { z } from 'zod';

export type ApiManager = Pick<ContainerManager, 'spinUp' | 'setStartValues' | 'setConfigToken'>;

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
): Hono<BodyEnv<z.infer<typeof spinUpSchema>>> {
  return new Hono<BodyEnv<z.infer<typeof spinUpSchema>>>().all(
    '/',
    jsonObjectBody,
    requireAuthSecret(webserverAuthSecret),
    validateBody(spinUpSchema),
    async (c) => {
      const input = c.get('input');
      const dockerId = await manager.spinUp({
        appName: input.app_name,
        appImage: input.app_image,
        mountCommand: input.mount_command,
        protocolTimeout: input.protocol_timeout,
      });
      return c.json({ result: dockerId }, 200);
    },
  );
}

import { validateConfigKeySegment } from '@fractal/userconfigs';
import { z } from 'zod';

const hostPort = z.number().int().min(1).max(65535);
// eslint-disable-next-line no-control-regex
const noControl = (s: string): boolean => !/[\u0000-\u001f\u007f]/.test(s);
const secret = z.string().min(1).max(1024).refine(noControl, 'contains a control character');

const keySegment = (field: 'userId' | 'appName') =>
  z.string().superRefine((value, ctx) => {
    try {
      validateConfigKeySegment(field, value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : 'invalid id' });
    }
  });

export const startValuesSchema = z.object({
  host_port: hostPort,
  dpi: z.number().int().positive().max(10_000),
  user_id: keySegment('userId'),
  client_app_auth_secret: secret,
  container_ARN: z.string().max(2048).refine(noControl, 'contains a control character'),
});

export const configTokenSchema = z.object({
  host_port: hostPort,
  user_id: keySegment('userId'),
  config_encryption_token: secret,
  client_app_auth_secret: secret,
});

export const spinUpSchema = z.object({
  app_name: keySegment('appName'),
  app_image: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/, 'is not a Docker image reference'),
  mount_command: z.string().max(8192),
  protocol_timeout: z.number().int().min(-1).max(2_147_483_647),
});

/** `PUT /drain_host`: only the webserver's secret (checked by the auth middleware). */
export const drainHostSchema = z.object({
  auth_secret: z.string().describe('the webserver secret'),
});

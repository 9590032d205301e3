import { z } from 'zod';

/** Response shapes of the ops listener, for the API description only. */
export const containerSummarySchema = z.object({
  fractalId: z.string(),
  dockerId: z.string().nullable(),
  appName: z.string(),
  userId: z.string().nullable(),
  hostPorts: z.record(z.string(), z.number().int()).describe('e.g. {"32262/tcp": 1025}'),
  tty: z.number().int().nullable(),
  phase: z.string().describe('reserved | created | running | ready | cleaning'),
  ready: z.boolean().describe('start values and token arrived, `.ready` is written: the session may start'),
  source: z.enum(['api', 'ecs']),
  createdAt: z.string().describe('ISO 8601'),
});

export const metadataSchema = z.object({
  version: z.string(),
  commit: z.string(),
  appEnv: z.string(),
  instanceId: z.string(),
  draining: z.boolean(),
  drain: z.object({
    draining: z.boolean(),
    reason: z.string().nullable(),
    by: z.string().nullable().describe('api | ops | imds'),
    since: z.string().nullable(),
  }),
  containers: z.number().int(),
  uptimeSeconds: z.number().int(),
  nodeVersion: z.string(),
});

export const healthSchema = z.union([
  z.object({ status: z.literal('ok') }),
  z.object({ status: z.literal('unhealthy'), reasons: z.array(z.string()) }),
]);

export const drainAnswerSchema = z.object({
  draining: z.literal(true),
  alreadyDraining: z.boolean(),
  drain: metadataSchema.shape.drain,
});

import { z } from 'zod';
import { containerSummarySchema, drainAnswerSchema, healthSchema, metadataSchema } from './openapi-ops';
import { configTokenSchema, drainHostSchema, spinUpSchema, startValuesSchema } from './schemas';

type Json = Record<string, unknown>;

function schema(s: z.ZodType): Json {
  // Refinements (id segment checks) have no JSON Schema form; the types and bounds do.
  const out = z.toJSONSchema(s, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Json;
  delete out.$schema;
  return out;
}

const json = (ref: string | Json): Json => ({
  'application/json': { schema: typeof ref === 'string' ? { $ref: `#/components/schemas/${ref}` } : ref },
});
const error = (description: string): Json => ({ description, content: json('Error') });

function putEndpoint(summary: string, body: z.ZodType, opts: { auth: boolean; result: string }): Json {
  return {
    put: {
      summary,
      requestBody: { required: true, content: json(schema(body)) },
      responses: {
        '200': { description: opts.result, content: json('Result') },
        '400': error(
          'wrong method, not JSON, or wrong types (code WRONG_METHOD, INVALID_JSON, INVALID_BODY)',
        ),
        ...(opts.auth ? { '401': error('missing or wrong auth_secret (code UNAUTHORIZED)') } : {}),
        '406': error('understood but not carried out; `code` says why (e.g. UNKNOWN_HOST_PORT, ALREADY_SET)'),
        '413': error('body over 64 KiB (code BODY_TOO_LARGE)'),
      },
    },
  };
}

const OPS_SERVERS = [
  { url: 'http://127.0.0.1:4679', description: 'ops listener (OPS_HOST:OPS_PORT), no auth' },
];
const get = (summary: string, content: Json, extra: Json = {}): Json => ({
  servers: OPS_SERVERS,
  get: { summary, responses: { '200': { description: 'OK', content }, ...extra } },
});

/** OpenAPI 3.1 of the HTTPS API and the ops listener, generated from the schemas they validate with. */
export function buildOpenApiDocument(version: string): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Fractal host service',
      version,
      description:
        'HTTPS API for the webserver and the client app (all PUT with a JSON body of at most 64 KiB), and the ' +
        'plain-HTTP ops listener for the host. Unknown paths answer 404 with an Error body.',
    },
    servers: [
      {
        url: 'https://127.0.0.1:4678',
        description: 'HTTPS API (HOST_SERVICE_PORT); self-signed certificate',
      },
    ],
    paths: {
      '/set_container_start_values': putEndpoint(
        'Start values of a container (the webserver)',
        startValuesSchema,
        {
          auth: true,
          result: 'start values set',
        },
      ),
      '/set_config_encryption_token': putEndpoint(
        'Config encryption token (the client app)',
        configTokenSchema,
        {
          auth: false,
          result: 'config encryption token set',
        },
      ),
      '/spin_up_container': putEndpoint(
        'Spin up a container (localdev only; 406 DRAINING while draining)',
        spinUpSchema,
        {
          auth: true,
          result: 'the Docker id of the new container',
        },
      ),
      '/drain_host': putEndpoint('Stop taking new sessions; running ones stay', drainHostSchema, {
        auth: true,
        result: 'host is draining',
      }),
      '/metrics': get('Prometheus metrics', { 'text/plain': { schema: { type: 'string' } } }),
      '/healthz': get('Health; 503 with the reasons when unhealthy', json(schema(healthSchema)), {
        '503': { description: 'unhealthy', content: json(schema(healthSchema)) },
      }),
      '/v1/containers': get('Containers on this host', json(schema(z.array(containerSummarySchema)))),
      '/v1/containers/{fractalId}': {
        ...get('One container', json(schema(containerSummarySchema)), {
          '404': {
            description: 'no such container',
            content: json(schema(z.object({ code: z.string(), error: z.string() }))),
          },
        }),
        parameters: [{ name: 'fractalId', in: 'path', required: true, schema: { type: 'string' } }],
      },
      '/v1/metadata': get('Host metadata', json(schema(metadataSchema))),
      '/v1/drain': {
        servers: OPS_SERVERS,
        post: {
          summary: 'Stop taking new sessions (a person, or an Auto Scaling lifecycle hook on the host)',
          responses: { '200': { description: 'draining', content: json(schema(drainAnswerSchema)) } },
        },
      },
      '/openapi.json': get('This document', json({ type: 'object' })),
    },
    components: {
      schemas: {
        Result: schema(z.object({ result: z.string() })),
        Error: schema(
          z.object({
            result: z.literal(''),
            error: z.string().describe('what failed and what to do'),
            code: z
              .string()
              .describe('machine-readable reason, e.g. UNKNOWN_HOST_PORT, ALREADY_SET, DRAINING'),
          }),
        ),
      },
    },
  };
}

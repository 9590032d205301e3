import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApiDocument } from './openapi';

const APP_DIR = join(__dirname, '..', '..');
const COMMITTED = join(APP_DIR, 'openapi.json');
const { version } = JSON.parse(readFileSync(join(APP_DIR, 'package.json'), 'utf8')) as { version: string };

describe('openapi.json', () => {
  const generated = buildOpenApiDocument(version);

  if (process.env.UPDATE_OPENAPI === '1') {
    it('is rewritten from the schemas (UPDATE_OPENAPI=1)', () => {
      writeFileSync(COMMITTED, `${JSON.stringify(generated, null, 2)}\n`);
      execFileSync('npx', ['prettier', '--write', COMMITTED], { stdio: 'ignore' });
    });
    return;
  }

  it('matches the one generated from the zod schemas (run `npx nx run host-service:openapi` to update)', () => {
    const committed = JSON.parse(readFileSync(COMMITTED, 'utf8')) as unknown;
    expect(committed).toEqual(generated);
  });

  it('is OpenAPI 3.1 with every endpoint of the API and the ops listener', () => {
    expect(generated.openapi).toBe('3.1.0');
    expect(Object.keys(generated.paths as object).sort()).toEqual(
      [
        '/drain_host',
        '/healthz',
        '/metrics',
        '/openapi.json',
        '/set_config_encryption_token',
        '/set_container_start_values',
        '/spin_up_container',
        '/v1/containers',
        '/v1/containers/{fractalId}',
        '/v1/drain',
        '/v1/metadata',
      ].sort(),
    );
  });

  it('describes the request bodies with the bounds the API enforces', () => {
    const paths = generated.paths as Record<
      string,
      {
        put: {
          requestBody: {
            content: Record<string, { schema: { properties: Record<string, unknown>; required: string[] } }>;
          };
        };
      }
    >;
    const body = paths['/set_container_start_values'].put.requestBody.content['application/json'].schema;
    expect(body.properties.host_port).toEqual({ type: 'integer', minimum: 1, maximum: 65535 });
    expect(body.required.sort()).toEqual(
      ['client_app_auth_secret', 'container_ARN', 'dpi', 'host_port', 'user_id'].sort(),
    );
  });
});

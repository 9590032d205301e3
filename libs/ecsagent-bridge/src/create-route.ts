import { request } from 'node:http';
import type { DockerUpstream } from './docker-host';
import { CreateHookError, errorMessage } from './errors';
import type { RequestHead } from './http-head';
import { dockerErrorResponse, serializeResponse } from './http-head';
import type {
  BridgeLogger,
  ContainerCreateBody,
  ContainerCreateHook,
  ContainerCreateRequest,
  CreateOutcome,
  CreatePlan,
} from './types';

// dockerd's own version matcher is `/v{version:[0-9.]+}`; a stricter one here would let
// `/v1.41.0/containers/create` reach Docker without the hook.
const CREATE_PATH = /^\/(?:v([\d.]+)\/)?containers\/create\/?$/;
/** Create responses are `{"Id","Warnings"}`; anything far bigger is not Docker. */
const MAX_RESPONSE_BYTES = 1024 * 1024;
const HOP_BY_HOP = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'expect',
  'upgrade',
]);

export interface CreateTarget {
  apiVersion?: string;
  name?: string;
}

/**
 * The path as dockerd routes it: Go decodes percent-escapes (`%2F` included) before matching, so
 * `/containers/%63reate` is a create there. Undecodable escapes stay as they are (Go refuses them).
 */
export function routedPath(target: string): string {
  const { pathname } = new URL(target, 'http://docker');
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

/** Whether a request is a container create, and what its path and query say. */
export function matchCreate(method: string, target: string): CreateTarget | null {
  if (method !== 'POST') return null;
  const url = new URL(target, 'http://docker');
  const m = CREATE_PATH.exec(routedPath(target));
  if (!m) return null;
  const out: CreateTarget = {};
  if (m[1] !== undefined) out.apiVersion = m[1];
  const name = url.searchParams.get('name');
  if (name !== null && name !== '') out.name = name;
  return out;
}

export interface CreateContext {
  head: RequestHead;
  target: CreateTarget;
  body: Buffer;
  hook: ContainerCreateHook;
  upstream: DockerUpstream;
  logger: BridgeLogger | undefined;
  /** Whether the answer must close the client connection. */
  close: boolean;
  /** Registers the upstream request so shutdown can abort it. */
  track(abort: () => void): () => void;
}

/** Runs one create through the hook and Docker; resolves to the raw answer for the client. */
export async function handleCreate(ctx: CreateContext): Promise<Buffer> {
  let body: ContainerCreateBody;
  try {
    const parsed: unknown = JSON.parse(ctx.body.toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('body is not a JSON object');
    }
    body = parsed as ContainerCreateBody;
  } catch (err) {
    const reason = errorMessage(err);
    return dockerErrorResponse(400, `invalid JSON in container create body: ${reason}`, ctx.close);
  }

  const req: ContainerCreateRequest = { body };
  if (ctx.target.name !== undefined) req.name = ctx.target.name;
  if (ctx.target.apiVersion !== undefined) req.apiVersion = ctx.target.apiVersion;

  let plan;
  try {
    plan = await ctx.hook.beforeCreate(req);
  } catch (err) {
    if (err instanceof CreateHookError) {
      ctx.logger?.warn(
        { err, image: body.Image, statusCode: err.statusCode },
        'container create refused by hook',
      );
      return dockerErrorResponse(err.statusCode, err.message, ctx.close);
    }
    ctx.logger?.error({ err, image: body.Image }, 'container create hook failed');
    const reason = errorMessage(err);
    return dockerErrorResponse(500, `Fractal container create hook failed: ${reason}`, ctx.close);
  }

  let payload: Buffer;
  try {
    payload = Buffer.from(JSON.stringify(plan.body));
  } catch (err) {
    // The hook has taken resources for this create; its outcome is how it gives them back.
    const message = `Fractal container create hook gave a body that is not JSON: ${(err as Error).message}`;
    ctx.logger?.error({ err, image: body.Image }, 'container create hook gave an unserializable body');
    await settle(ctx, plan, { ok: false, statusCode: 500, message });
    return dockerErrorResponse(500, message, ctx.close);
  }
  const answer = await forward(ctx, payload);
  const outcome = toOutcome(answer);
  await settle(ctx, plan, outcome);
  return (
    answer.raw ??
    dockerErrorResponse(outcome.ok ? 500 : outcome.statusCode, outcome.ok ? '' : outcome.message, ctx.close)
  );
}

async function settle(ctx: CreateContext, plan: CreatePlan, outcome: CreateOutcome): Promise<void> {
  try {
    await plan.onOutcome(outcome);
  } catch (err) {
    ctx.logger?.error({ err, outcome }, 'container create outcome handler failed');
  }
}

interface UpstreamAnswer {
  statusCode: number;
  body: Buffer;
  /** The answer for the client; absent when Docker could not be reached. */
  raw?: Buffer;
  error?: Error;
}

function forward(ctx: CreateContext, payload: Buffer): Promise<UpstreamAnswer> {
  const headers: Array<[string, string]> = ctx.head.headers.filter(([k]) => !HOP_BY_HOP.has(k.toLowerCase()));
  headers.push(['Content-Length', String(payload.length)]);
  return new Promise((resolve) => {
    const fail = (error: Error): void => {
      untrack();
      resolve({ statusCode: 502, body: Buffer.alloc(0), error });
    };
    const req = request({
      ...(ctx.upstream.socketPath !== undefined
        ? { socketPath: ctx.upstream.socketPath }
        : { host: ctx.upstream.host, port: ctx.upstream.port }),
      method: 'POST',
      path: ctx.head.target,
      headers: headers.flat(),
      agent: false,
    });
    const untrack = ctx.track(() =>
      req.destroy(new Error('Docker interposer shut down during container create')),
    );
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES) {
          req.destroy(new Error(`Docker's container create answer exceeded ${MAX_RESPONSE_BYTES} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('error', fail);
      res.on('end', () => {
        untrack();
        const statusCode = res.statusCode ?? 502;
        const body = Buffer.concat(chunks);
        const pairs: Array<[string, string]> = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
          pairs.push([res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string]);
        }
        resolve({ statusCode, body, raw: serializeResponse(statusCode, pairs, body, ctx.close) });
      });
    });
    req.end(payload);
  });
}

function toOutcome(answer: UpstreamAnswer): CreateOutcome {
  if (answer.error) {
    return {
      ok: false,
      statusCode: 502,
      message: `cannot reach Docker for container create: ${answer.error.message}`,
    };
  }
  const text = answer.body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const obj = (json !== null && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  if (answer.statusCode >= 200 && answer.statusCode < 300) {
    if (typeof obj['Id'] === 'string' && obj['Id'] !== '') return { ok: true, id: obj['Id'] };
    return {
      ok: false,
      statusCode: 502,
      message: `Docker answered ${answer.statusCode} to container create without an Id`,
    };
  }
  const message =
    typeof obj['message'] === 'string' ? obj['message'] : text.trim() || `HTTP ${answer.statusCode}`;
  return { ok: false, statusCode: answer.statusCode, message };
}

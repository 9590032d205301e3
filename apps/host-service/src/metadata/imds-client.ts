import { StartupError } from '../util/startup-error';
import type { InstanceFacts } from './instance-facts';

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

export interface ImdsClientOptions {
  /** e.g. http://169.254.169.254 (AWS_EC2_METADATA_SERVICE_ENDPOINT). */
  readonly endpoint: string;
  readonly fetch?: FetchFn;
  readonly timeoutMs?: number;
}

const TOKEN_TTL_S = 21_600;

/** IMDS did not answer, or answered with an error `status`. */
export class ImdsError extends StartupError {
  override readonly name = 'ImdsError';
  constructor(
    message: string,
    readonly status: number | undefined,
    cause?: unknown,
  ) {
    super('IMDS_UNAVAILABLE', message, { cause });
  }
}

/**
 * The EC2 instance metadata service, IMDSv2 only (a session token on every read). Facts are
 * fetched once and memoized; a failed fetch is not, so a later call tries again.
 */
export class ImdsClient {
  private readonly endpoint: string;
  private readonly fetchFn: FetchFn;
  private readonly timeoutMs: number;
  private facts: Promise<InstanceFacts> | undefined;
  private session: { token: string; expiresAt: number } | undefined;

  constructor(options: ImdsClientOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 3000;
  }

  instanceFacts(): Promise<InstanceFacts> {
    if (this.facts === undefined) {
      const pending = this.fetchFacts();
      this.facts = pending;
      pending.catch(() => {
        if (this.facts === pending) this.facts = undefined;
      });
    }
    return this.facts;
  }

  /**
   * One metadata item (`spot/instance-action`), or null when IMDS has none (404). For polling:
   * the session token is reused until shortly before it expires, and fetched again after a 401.
   */
  async read(path: string): Promise<string | null> {
    const now = Date.now();
    if (this.session === undefined || this.session.expiresAt <= now) {
      const token = await this.request('PUT', '/latest/api/token', {
        'X-aws-ec2-metadata-token-ttl-seconds': String(TOKEN_TTL_S),
      });
      this.session = { token, expiresAt: now + (TOKEN_TTL_S - 60) * 1000 };
    }
    try {
      return await this.request('GET', `/latest/meta-data/${path}`, {
        'X-aws-ec2-metadata-token': this.session.token,
      });
    } catch (err) {
      const status = err instanceof ImdsError ? err.status : undefined;
      if (status === 401) this.session = undefined;
      if (status === 404) return null;
      throw err;
    }
  }

  private async fetchFacts(): Promise<InstanceFacts> {
    const token = await this.request('PUT', '/latest/api/token', {
      'X-aws-ec2-metadata-token-ttl-seconds': String(TOKEN_TTL_S),
    });
    const get = (path: string): Promise<string> =>
      this.request('GET', `/latest/meta-data/${path}`, { 'X-aws-ec2-metadata-token': token });
    const [instanceId, instanceType, region, amiId] = await Promise.all([
      get('instance-id'),
      get('instance-type'),
      get('placement/region'),
      get('ami-id'),
    ]);
    return { instanceId, instanceType, region, amiId };
  }

  private async request(
    method: 'GET' | 'PUT',
    path: string,
    headers: Record<string, string>,
  ): Promise<string> {
    const url = `${this.endpoint}${path}`;
    const fail = (why: string, cause?: unknown, status?: number): ImdsError =>
      new ImdsError(
        `instance metadata service at ${this.endpoint}: ${method} ${path} ${why}; outside localdev the host ` +
          'service must run on EC2 with IMDSv2 reachable (or AWS_EC2_METADATA_SERVICE_ENDPOINT pointing at one)',
        status,
        cause,
      );
    let res: Response;
    try {
      res = await this.fetchFn(url, { method, headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw fail(`failed (${(err as Error).message})`, err);
    }
    const body = (await res.text().catch(() => '')).trim();
    if (!res.ok) throw fail(`answered ${res.status}`, undefined, res.status);
    if (body === '') throw fail('answered an empty body');
    return body;
  }
}

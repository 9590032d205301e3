import { StartupError } from '../startup/startup-error';
import type { InstanceFacts } from './instance-facts';

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

export interface ImdsClientOptions {
  /** e.g. http://169.254.169.254 (AWS_EC2_METADATA_SERVICE_ENDPOINT). */
  readonly endpoint: string;
  readonly fetch?: FetchFn;
  readonly timeoutMs?: number;
}

const TOKEN_TTL_S = 21_600;

/**
 * The EC2 instance metadata service, IMDSv2 only (a session token on every read). Facts are
 * fetched once and memoized; a failed fetch is not, so a later call tries again.
 */
export class ImdsClient {
  private readonly endpoint: string;
  private readonly fetchFn: FetchFn;
  private readonly timeoutMs: number;
  private facts: Promise<InstanceFacts> | undefined;

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
    const fail = (why: string, cause?: unknown): StartupError =>
      new StartupError(
        'IMDS_UNAVAILABLE',
        `instance metadata service at ${this.endpoint}: ${method} ${path} ${why}; outside localdev the host ` +
          'service must run on EC2 with IMDSv2 reachable (or AWS_EC2_METADATA_SERVICE_ENDPOINT pointing at one)',
        { cause },
      );
    let res: Response;
    try {
      res = await this.fetchFn(url, { method, headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw fail(`failed (${(err as Error).message})`, err);
    }
    const body = (await res.text().catch(() => '')).trim();
    if (!res.ok) throw fail(`answered ${res.status}`);
    if (body === '') throw fail('answered an empty body');
    return body;
  }
}

import type { FetchFn } from '../metadata/imds-client';
import type { HandshakeRequest, HeartbeatRequest } from './payloads';

export interface WebserverClientOptions {
  /** e.g. https://prod-server.fractal.co (no trailing slash needed). */
  readonly baseUrl: string;
  readonly fetch?: FetchFn;
  readonly timeoutMs?: number;
}

/** The two webserver calls the daemon makes; each bounded by a timeout. */
export class WebserverClient {
  private readonly baseUrl: string;
  private readonly fetchFn: FetchFn;
  private readonly timeoutMs: number;

  constructor(options: WebserverClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** POST /host_service/auth; resolves to the AuthToken that heartbeats carry. */
  async handshake(body: HandshakeRequest): Promise<string> {
    const res = await this.post('/host_service/auth', body);
    const parsed = (await res.json().catch(() => null)) as { AuthToken?: unknown } | null;
    if (parsed === null || typeof parsed.AuthToken !== 'string' || parsed.AuthToken === '') {
      throw new Error(`${this.baseUrl}/host_service/auth answered without an AuthToken string`);
    }
    return parsed.AuthToken;
  }

  /** POST /host_service/heartbeat. */
  async heartbeat(body: HeartbeatRequest): Promise<void> {
    const res = await this.post('/host_service/heartbeat', body);
    await res.body?.cancel();
  }

  private async post(path: string, body: object): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new Error(`POST ${url} failed: ${(err as Error).message}`, { cause: err });
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new Error(`POST ${url} answered ${res.status}: ${text.slice(0, 200)}`);
    }
    return res;
  }
}

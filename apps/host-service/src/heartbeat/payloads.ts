import type { InstanceFacts } from '../metadata/instance-facts';
import type { MemInfo } from '../metadata/meminfo';

/** Body of POST /host_service/auth (field names are the webserver's). */
export interface HandshakeRequest {
  readonly InstanceID: string;
  readonly InstanceType: string;
  readonly Region: string;
  readonly AWSAmiID: string;
}

/** Body of POST /host_service/heartbeat (field names and JSON types are the webserver's). */
export interface HeartbeatRequest {
  readonly AuthToken: string;
  readonly Timestamp: string;
  readonly HeartbeatNumber: number;
  readonly InstanceID: string;
  readonly TotalRAMinKB: string;
  readonly FreeRAMinKB: string;
  readonly AvailRAMinKB: string;
  readonly IsDyingHeartbeat: boolean;
  /** Only while the host drains (takes no new sessions); absent otherwise, as the Go service sent. */
  readonly IsDraining?: true;
}

export function handshakeRequest(facts: InstanceFacts): HandshakeRequest {
  return {
    InstanceID: facts.instanceId,
    InstanceType: facts.instanceType,
    Region: facts.region,
    AWSAmiID: facts.amiId,
  };
}

export function heartbeatRequest(input: {
  authToken: string;
  now: Date;
  number: number;
  instanceId: string;
  mem: MemInfo;
  dying: boolean;
  draining?: boolean;
}): HeartbeatRequest {
  return {
    AuthToken: input.authToken,
    Timestamp: formatGoTime(input.now),
    HeartbeatNumber: input.number,
    InstanceID: input.instanceId,
    TotalRAMinKB: input.mem.totalKb,
    FreeRAMinKB: input.mem.freeKb,
    AvailRAMinKB: input.mem.availKb,
    IsDyingHeartbeat: input.dying,
    ...(input.draining === true ? { IsDraining: true as const } : {}),
  };
}

/**
 * The Go service sent `time.Now()` formatted with %s (`2006-01-02 15:04:05.999999999 -0700 MST`);
 * we send the same layout in UTC so the webserver sees what it always saw.
 */
export function formatGoTime(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const date = `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`;
  const time = `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  const frac = d.getUTCMilliseconds() === 0 ? '' : `.${p(d.getUTCMilliseconds(), 3).replace(/0+$/, '')}`;
  return `${date} ${time}${frac} +0000 UTC`;
}

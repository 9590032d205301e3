import { timingSafeEqual } from 'node:crypto';
import { HostServiceError } from './errors';
import type { ConfigToken, StartValues } from './model';

/** Tokens kept per container until the start values say which one is the client's. */
export const MAX_TOKEN_CANDIDATES = 4;

export function secretsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function tokenMatches(values: StartValues, token: ConfigToken): boolean {
  // Both compared always, so the answer's timing does not say which one differed.
  const secret = secretsEqual(values.clientAppAuthSecret, token.clientAppAuthSecret);
  const user = secretsEqual(values.userId, token.userId);
  return secret && user;
}

/**
 * The config token endpoint is unauthenticated and host ports are predictable, so the first token
 * must not win. Before the start values, up to MAX_TOKEN_CANDIDATES are kept; the start values
 * pick the one whose client_app_auth_secret and user_id match. After them, a token that does
 * not match is refused.
 */
export function chooseToken(
  values: StartValues,
  candidates: readonly ConfigToken[],
): ConfigToken | undefined {
  let chosen: ConfigToken | undefined;
  for (const c of candidates) if (tokenMatches(values, c) && chosen === undefined) chosen = c;
  return chosen;
}

export function tooManyCandidates(hostPort: number): HostServiceError {
  return new HostServiceError(
    'TOKEN_REFUSED',
    `the container on host port ${hostPort} already holds ${MAX_TOKEN_CANDIDATES} config tokens waiting for its start values; token dropped`,
  );
}

export function mismatch(hostPort: number): HostServiceError {
  return new HostServiceError(
    'TOKEN_REFUSED',
    `the config token for the container on host port ${hostPort} does not match its start values (client_app_auth_secret or user_id differ); token dropped`,
  );
}

import { timingSafeEqual } from 'node:crypto';
import { UserConfigError } from '@fractal/userconfigs';
import type { UserConfigSync } from '@fractal/userconfigs';
import type { Logger } from '@fractal/logger';
import { bounded } from './bounded';
import { HostServiceError, errorMessage } from './errors';
import type { TrackedContainer } from './registry';
import { isCleaning } from './registry';
import { RESOURCE_FILES, writeFileAtomic } from './resource-files';

export interface StartValuesRequest {
  hostPort: number;
  dpi: number;
  userId: string;
  clientAppAuthSecret: string;
  containerARN: string;
}

export interface ConfigTokenRequest {
  hostPort: number;
  userId: string;
  configEncryptionToken: string;
  clientAppAuthSecret: string;
}

export function secretsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Claims the start-values slot synchronously (so a concurrent repeat is refused), then writes them.
 * `startValues` is set only once the files are written, so `.ready` can never precede them; a
 * failed write gives the slot back for a retry.
 */
export async function recordStartValues(entry: TrackedContainer, req: StartValuesRequest): Promise<void> {
  if (entry.startValuesClaimed) {
    throw new HostServiceError(
      'ALREADY_SET',
      `start values for the container on host port ${req.hostPort} were already set; they can be set once`,
    );
  }
  entry.startValuesClaimed = true;
  try {
    await writeFileAtomic(entry.dirs.resources, RESOURCE_FILES.dpi, String(req.dpi));
    await writeFileAtomic(entry.dirs.resources, RESOURCE_FILES.containerARN, req.containerARN);
  } catch (err) {
    entry.startValuesClaimed = false;
    throw new HostServiceError(
      'INVALID_REQUEST',
      `writing the start values of the container on host port ${req.hostPort} failed: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  entry.startValues = {
    dpi: req.dpi,
    userId: req.userId,
    clientAppAuthSecret: req.clientAppAuthSecret,
    containerARN: req.containerARN,
  };
}

export function recordToken(entry: TrackedContainer, req: ConfigTokenRequest): void {
  if (entry.token) {
    throw new HostServiceError(
      'ALREADY_SET',
      `the config encryption token for the container on host port ${req.hostPort} was already set; it can be set once`,
    );
  }
  entry.token = {
    userId: req.userId,
    configEncryptionToken: req.configEncryptionToken,
    clientAppAuthSecret: req.clientAppAuthSecret,
  };
}

export interface ReadyDeps {
  configs: UserConfigSync;
  logger: Logger;
  captureError: (err: unknown, context?: Record<string, unknown>) => void;
  containerUid: number;
  restoreMs: number;
}

/**
 * Both halves have arrived: restore the user's config when the client app secrets (and users)
 * match, else drop the token so nothing is saved under it; then write `.ready`, last.
 */
export async function makeReady(entry: TrackedContainer, deps: ReadyDeps): Promise<void> {
  const values = entry.startValues;
  const token = entry.token;
  if (!values || !token) return;
  const log = deps.logger.child({ fractalId: entry.fractalId, dockerId: entry.dockerId });
  const secretsMatch = secretsEqual(values.clientAppAuthSecret, token.clientAppAuthSecret);
  if (secretsMatch && values.userId === token.userId) {
    entry.acceptedToken = token;
    try {
      const outcome = await bounded(
        deps.configs.restore({
          userId: token.userId,
          appName: entry.appName,
          token: token.configEncryptionToken,
          dir: entry.dirs.unpackedConfigs,
          owner: { uid: deps.containerUid, gid: deps.containerUid },
        }),
        deps.restoreMs,
        'config restore',
      );
      log.info({ outcome, appName: entry.appName }, 'user config restored');
    } catch (err) {
      // An archive this token cannot open is lost either way, so the session's settings may replace
      // it. Any other failure (store unreachable, timeout) leaves a good archive in the store that
      // an empty dir must not overwrite at cleanup: drop the token.
      const saveLater = archiveIsUnreadable(err);
      if (!saveLater) entry.acceptedToken = undefined;
      log.error(
        { err, appName: entry.appName, configSavedAtExit: saveLater },
        'restoring the user config failed; the container starts without it',
      );
      deps.captureError(err, { fractalId: entry.fractalId, appName: entry.appName });
    }
  } else {
    log.warn(
      { secretsMatch, usersMatch: values.userId === token.userId },
      'start values and config token disagree; token dropped, no config restored or saved',
    );
  }
  if (isCleaning(entry)) return;
  try {
    await writeFileAtomic(entry.dirs.resources, RESOURCE_FILES.ready, '');
  } catch (err) {
    if (isCleaning(entry)) return;
    throw new HostServiceError(
      'INVALID_REQUEST',
      `writing .ready for container ${entry.fractalId} failed: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  log.info({}, 'container is ready');
}

function archiveIsUnreadable(err: unknown): boolean {
  return (
    err instanceof UserConfigError &&
    (err.code === 'DECRYPT' || err.code === 'CORRUPT' || err.code === 'UNSAFE_ENTRY')
  );
}

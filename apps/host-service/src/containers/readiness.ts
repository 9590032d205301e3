import { UserConfigError } from '@fractal/userconfigs';
import type { SyncRequest } from '@fractal/userconfigs';
import { cancellable } from '../util/cancellable';
import { HostServiceError } from './errors';
import { errorMessage } from '../util/error-message';
import type { ManagerCore } from './manager-core';
import type { ConfigToken, StartValues } from './model';
import type { Entry } from './registry';
import { RESOURCE_FILES, writeFileAtomic } from './resource-files';
import { MAX_TOKEN_CANDIDATES, chooseToken, mismatch, tokenMatches, tooManyCandidates } from './token-rules';

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

const sameValues = (a: StartValues, b: StartValues): boolean =>
  a.dpi === b.dpi &&
  a.containerARN === b.containerARN &&
  tokenMatches(a, { ...b, configEncryptionToken: '' });
const sameToken = (a: ConfigToken, b: ConfigToken): boolean =>
  a.configEncryptionToken === b.configEncryptionToken &&
  a.userId === b.userId &&
  a.clientAppAuthSecret === b.clientAppAuthSecret;

function alreadySet(what: string, hostPort: number): HostServiceError {
  return new HostServiceError(
    'ALREADY_SET',
    `${what} for the container on host port ${hostPort} was already set; it can be set once`,
  );
}

/**
 * Writes the start values' files, then records them (so `.ready` can never precede them), then
 * picks the matching token among the candidates. The slot is claimed synchronously so a
 * concurrent repeat is refused; a failed write gives it back. After a failed `.ready` write,
 * repeating the same values (or token) retries what is left instead of answering ALREADY_SET.
 */
export async function setStartValues(
  core: ManagerCore,
  entry: Entry,
  req: StartValuesRequest,
): Promise<void> {
  const { record } = entry;
  const values: StartValues = {
    dpi: req.dpi,
    userId: req.userId,
    clientAppAuthSecret: req.clientAppAuthSecret,
    containerARN: req.containerARN,
  };
  if (record.runtime.startValuesClaimed) {
    const known = record.startValues;
    if (known && sameValues(known, values) && record.runtime.readyFailed && !record.runtime.readying) {
      return maybeReady(core, entry);
    }
    throw alreadySet('start values', req.hostPort);
  }
  record.runtime.startValuesClaimed = true;
  try {
    await writeFileAtomic(record.dirs.resources, RESOURCE_FILES.dpi, String(req.dpi));
    await writeFileAtomic(record.dirs.resources, RESOURCE_FILES.containerARN, req.containerARN);
  } catch (err) {
    record.runtime.startValuesClaimed = false;
    throw new HostServiceError(
      'INVALID_REQUEST',
      `writing the start values of the container on host port ${req.hostPort} failed: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  const saved = record.startValuesReceived(values);
  const candidates = record.runtime.tokenCandidates;
  const chosen = chooseToken(values, candidates);
  const dropped = candidates.length - (chosen ? 1 : 0);
  record.runtime.tokenCandidates = [];
  if (dropped > 0) {
    core.log.warn(
      { fractalId: record.fractalId, dropped },
      'config tokens that do not match the start values; token dropped',
    );
  }
  await saved;
  if (chosen && !record.runtime.tokenTaken) await record.tokenAccepted(chosen);
  await maybeReady(core, entry);
}

export async function setConfigToken(
  core: ManagerCore,
  entry: Entry,
  req: ConfigTokenRequest,
): Promise<void> {
  const { record } = entry;
  const token: ConfigToken = {
    userId: req.userId,
    configEncryptionToken: req.configEncryptionToken,
    clientAppAuthSecret: req.clientAppAuthSecret,
  };
  if (record.runtime.tokenTaken) {
    const accepted = record.acceptedToken;
    if (accepted && sameToken(accepted, token) && record.runtime.readyFailed && !record.runtime.readying) {
      return maybeReady(core, entry);
    }
    throw alreadySet('the config encryption token', req.hostPort);
  }
  const values = record.startValues;
  if (!values) {
    if (record.runtime.tokenCandidates.length >= MAX_TOKEN_CANDIDATES) throw tooManyCandidates(req.hostPort);
    record.runtime.tokenCandidates.push(token);
    return;
  }
  if (!tokenMatches(values, token)) {
    core.log.warn(
      { fractalId: record.fractalId },
      'config token does not match the start values; token dropped',
    );
    throw mismatch(req.hostPort);
  }
  await record.tokenAccepted(token);
  await maybeReady(core, entry);
}

async function maybeReady(core: ManagerCore, entry: Entry): Promise<void> {
  const { record } = entry;
  // A cleanup that began while the start values were being written must not race a restore.
  if (!record.startValues || !record.runtime.tokenTaken || record.runtime.readying || record.ending) return;
  const readying = makeReady(core, entry);
  record.runtime.readying = readying;
  record.runtime.readyFailed = false;
  try {
    await readying;
  } catch (err) {
    record.runtime.readyFailed = true;
    throw err;
  } finally {
    // Done or failed: a failed `.ready` write may be retried by repeating either request.
    record.runtime.readying = undefined;
  }
}

/** Restores the user's config (once), then checkpoints `ready` and writes `.ready`, last. */
async function makeReady(core: ManagerCore, entry: Entry): Promise<void> {
  const { record } = entry;
  const log = core.log.child({ fractalId: record.fractalId, dockerId: record.dockerId });
  const token = record.acceptedToken;
  if (!record.runtime.restored && token) {
    const req: SyncRequest & { signal?: AbortSignal } = {
      userId: token.userId,
      appName: record.appName,
      token: token.configEncryptionToken,
      dir: record.dirs.unpackedConfigs,
      owner: { uid: core.deps.containerUid, gid: core.deps.containerUid },
    };
    try {
      const outcome = await cancellable(
        core.timeouts.restoreMs,
        'config restore',
        (signal) => core.deps.configs.restore({ ...req, signal }),
        record.runtime.restoring.signal,
      );
      log.info({ outcome, appName: record.appName }, 'user config restored');
    } catch (err) {
      if (record.ending) return;
      // An archive this token cannot open is lost either way, so the session's settings may replace
      // it. Any other failure (store unreachable, timeout) leaves a good archive in the store that
      // an empty dir must not overwrite at cleanup: withdraw the token.
      const saveLater = archiveIsUnreadable(err);
      if (!saveLater) await record.tokenWithdrawn();
      log.error(
        { err, appName: record.appName, configSavedAtExit: saveLater },
        'restoring the user config failed; the container starts without it',
      );
      core.captureError(err, { fractalId: record.fractalId, appName: record.appName });
    }
    record.runtime.restored = true;
  }
  if (record.ending) return;
  // Checkpointed before the file: a restart then adopts it (and rewrites `.ready` if missing).
  await record.ready();
  core.crash('after-ready');
  try {
    await writeFileAtomic(record.dirs.resources, RESOURCE_FILES.ready, '');
  } catch (err) {
    if (record.ending) return;
    throw new HostServiceError(
      'INVALID_REQUEST',
      `writing .ready for container ${record.fractalId} failed: ${errorMessage(err)}; send the request again to retry`,
      { cause: err },
    );
  }
  record.runtime.readyWritten = true;
  log.info({}, 'container is ready');
}

function archiveIsUnreadable(err: unknown): boolean {
  return (
    err instanceof UserConfigError &&
    (err.code === 'DECRYPT' || err.code === 'CORRUPT' || err.code === 'UNSAFE_ENTRY')
  );
}

import type { Logger } from '@fractal/logger';
import type { UserConfigSync } from '@fractal/userconfigs';
import { bounded } from './bounded';
import type { TrackedContainer } from './registry';

export interface ConfigBackupDeps {
  configs: UserConfigSync;
  logger: Logger;
  captureError: (err: unknown, context?: Record<string, unknown>) => void;
  backupMs: number;
}

/**
 * Saves the user's config of a dead container when a token was accepted. Resolves true when the
 * config is safe (uploaded, kept as a pending upload, or there was nothing to save) and the dir
 * may go; false when it could not be saved anywhere and the dir must stay.
 */
export async function backUpUserConfig(entry: TrackedContainer, deps: ConfigBackupDeps): Promise<boolean> {
  const token = entry.acceptedToken;
  if (!token) return true;
  try {
    const outcome = await bounded(
      deps.configs.backup({
        userId: token.userId,
        appName: entry.appName,
        token: token.configEncryptionToken,
        dir: entry.dirs.unpackedConfigs,
      }),
      deps.backupMs,
      'config backup',
    );
    deps.logger.info({ outcome }, 'user config backed up');
    return true;
  } catch (err) {
    deps.logger.error(
      { err, dir: entry.dirs.userConfigs },
      'backing up the user config failed; its dir is kept',
    );
    deps.captureError(err, { fractalId: entry.fractalId });
    return false;
  }
}

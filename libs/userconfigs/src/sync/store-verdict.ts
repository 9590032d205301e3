import type { ConfigKey } from '../config-key';
import type { ArchiveGeneration, ConfigStore, StoredArchiveInfo } from '../stores/config-store';
import { ARCHIVE_CHECK_BYTES, archiveOpens } from './archive-check';
import type { StoreVerdict } from './pending-archives';

/**
 * What `token` makes of the stored generations now. A store that cannot be asked gives an empty
 * verdict: the uploader then treats what it finds as someone else's.
 */
export async function judgeStore(
  store: ConfigStore,
  key: ConfigKey,
  token: string,
  signal?: AbortSignal,
): Promise<StoreVerdict> {
  const verdict: StoreVerdict = {};
  for (const generation of ['current', 'previous'] as const) {
    try {
      const info = await store.head(key, { generation, signal });
      if (!info) continue;
      verdict[generation] = {
        version: info.version,
        opens: await opens(store, key, generation, token, signal),
      };
    } catch {
      if (signal?.aborted) throw signal.reason;
    }
  }
  return verdict;
}

async function opens(
  store: ConfigStore,
  key: ConfigKey,
  generation: ArchiveGeneration,
  token: string,
  signal?: AbortSignal,
): Promise<boolean> {
  const body = await store.get(key, { generation, signal, firstBytes: ARCHIVE_CHECK_BYTES });
  return body ? archiveOpens(body, token) : false;
}

/** Whether the verdict says the token opens exactly this stored version. */
export function known(
  entry: StoreVerdict['current'],
  info: StoredArchiveInfo | null,
): 'ours' | 'foreign' | 'unknown' {
  if (!entry || !info || entry.version !== info.version) return 'unknown';
  return entry.opens ? 'ours' : 'foreign';
}

import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const RESOURCE_FILES = {
  hostPort: 'hostPort_for_my_32262_tcp',
  tty: 'tty',
  timeout: 'timeout',
  dpi: 'DPI',
  containerARN: 'ContainerARN',
  ready: '.ready',
} as const;

/**
 * Writes `dir/name` whole: temp file, rename. The protocol polls these files, so it must never see
 * a half-written value; the rename guarantees that. No fsync: the container reads each file once,
 * and a host crash, the only thing fsync guards against, ends the container with it (recovery
 * rewrites `.ready` for the containers it adopts). Checkpoints, which must survive, are fsynced.
 */
export async function writeFileAtomic(dir: string, name: string, content: string): Promise<void> {
  const target = join(dir, name);
  const temp = join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(content);
  } catch (err) {
    await handle.close();
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

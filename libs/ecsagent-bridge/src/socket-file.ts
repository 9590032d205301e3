import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { EcsBridgeError } from './errors';

/**
 * Makes `socketPath` usable for listening: creates its parent dir (0700) when missing and removes
 * a stale socket left by a crashed run. A live socket or a non-socket file is an error.
 */
export async function prepareSocketPath(socketPath: string): Promise<void> {
  await fs.mkdir(dirname(socketPath), { recursive: true, mode: 0o700 });
  let stat;
  try {
    stat = await fs.lstat(socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!stat.isSocket()) {
    throw new EcsBridgeError(
      'SOCKET_PATH_TAKEN',
      `cannot listen on ${socketPath}: a file that is not a socket is there; remove it or set another ECS_BRIDGE_SOCKET`,
    );
  }
  if (await isLive(socketPath)) {
    throw new EcsBridgeError(
      'SOCKET_IN_USE',
      `cannot listen on ${socketPath}: another process is listening there; stop it or set another ECS_BRIDGE_SOCKET`,
    );
  }
  await fs.rm(socketPath, { force: true });
}

/** A name beside the final path: the socket is bound there, chmod'ed, then renamed into place. */
export function temporarySocketPath(socketPath: string): string {
  return join(dirname(socketPath), `.interposer-${randomBytes(4).toString('hex')}.sock`);
}

function isLive(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect({ path: socketPath });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

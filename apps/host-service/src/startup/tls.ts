import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createSelfSignedCert } from './self-signed-cert';
import { StartupError } from '../util/startup-error';

export interface TlsMaterial {
  readonly key: string;
  readonly cert: string;
  readonly keyPath: string;
  readonly certPath: string;
}

/**
 * A fresh key and self-signed certificate on every start (callers use verify=False / --insecure),
 * generated in-process. Both files 0600; each written whole under a temp name, then renamed.
 */
export async function createTlsMaterial(privateDir: string, now: Date = new Date()): Promise<TlsMaterial> {
  let pems: { key: string; cert: string };
  try {
    pems = createSelfSignedCert(
      new Date(now.getTime() - 60_000),
      new Date(now.getTime() + 10 * 365 * 24 * 3600_000),
    );
  } catch (err) {
    throw new StartupError('TLS_FAILED', `cannot generate the TLS certificate: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const keyPath = join(privateDir, 'key.pem');
  const certPath = join(privateDir, 'cert.pem');
  await writePrivateFile(keyPath, pems.key);
  await writePrivateFile(certPath, pems.cert);
  return { key: pems.key, cert: pems.cert, keyPath, certPath };
}

async function writePrivateFile(path: string, content: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.chmod(0o600);
      await fh.writeFile(content);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new StartupError('TLS_FAILED', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TlsMaterial } from './tls';

/**
 * The key and certificate an earlier run of ours left (a crash, an upgrade), when they still
 * belong together and stay valid for a day; else undefined and the caller makes new ones. Reusing
 * them keeps the certificate the webserver and clients saw before the restart.
 */
export async function reuseTlsMaterial(
  privateDir: string,
  now: Date = new Date(),
): Promise<TlsMaterial | undefined> {
  const keyPath = join(privateDir, 'key.pem');
  const certPath = join(privateDir, 'cert.pem');
  try {
    const [key, cert] = await Promise.all([readFile(keyPath, 'utf8'), readFile(certPath, 'utf8')]);
    const x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) return undefined;
    if (new Date(x509.validTo).getTime() < now.getTime() + 24 * 3600_000) return undefined;
    return { key, cert, keyPath, certPath };
  } catch {
    return undefined;
  }
}

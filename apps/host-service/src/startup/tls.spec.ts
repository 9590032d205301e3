import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTlsMaterial } from './tls';

describe('createTlsMaterial', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tls-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes a 0600 key and a self-signed cert for 127.0.0.1 and localhost', async () => {
    const now = new Date('2030-01-02T03:04:05Z');
    const tls = await createTlsMaterial(dir, now);
    expect((await stat(join(dir, 'key.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'cert.pem'))).mode & 0o777).toBe(0o600);
    expect(await readFile(tls.certPath, 'utf8')).toBe(tls.cert);

    const cert = new X509Certificate(tls.cert);
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.ca).toBe(false);
    expect(new Date(cert.validFrom).getTime()).toBeLessThanOrEqual(now.getTime());
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(now.getTime() + 365 * 24 * 3600_000);
    expect(cert.checkPrivateKey(createPrivateKey(await readFile(tls.keyPath, 'utf8')))).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
  });
});

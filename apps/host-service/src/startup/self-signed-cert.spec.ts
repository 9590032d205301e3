import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createServer as createTlsServer, connect } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createSelfSignedCert } from './self-signed-cert';

describe('createSelfSignedCert', () => {
  const notBefore = new Date('2024-01-01T00:00:00Z');
  const notAfter = new Date('2060-01-01T00:00:00Z');
  const { key, cert } = createSelfSignedCert(notBefore, notAfter);
  const x509 = new X509Certificate(cert);

  it('is a v3 server certificate for localhost and 127.0.0.1, signed by its own key', () => {
    expect(x509.subject).toBe('CN=localhost');
    expect(x509.issuer).toBe('CN=localhost');
    expect(x509.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost');
    expect(x509.ca).toBe(false);
    expect(x509.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(new Date(x509.validFrom).toISOString()).toBe(notBefore.toISOString());
    expect(new Date(x509.validTo).toISOString()).toBe(notAfter.toISOString());
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.checkPrivateKey(createPrivateKey(key))).toBe(true);
    expect(x509.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    expect(x509.serialNumber).toMatch(/^[0-9A-F]{32}$/);
  });

  it('passes full TLS verification (chain and host name) when trusted', async () => {
    const now = createSelfSignedCert(new Date(Date.now() - 60_000), new Date(Date.now() + 3600_000));
    const server = createTlsServer({ key: now.key, cert: now.cert }, (s) => s.end('hello'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      for (const servername of ['localhost', undefined]) {
        const text = await new Promise<string>((resolve, reject) => {
          const socket = connect(
            { host: '127.0.0.1', port, ca: now.cert, ...(servername ? { servername } : {}) },
            () => {
              let data = '';
              socket.on('data', (d: Buffer) => (data += d.toString()));
              socket.on('end', () => resolve(data));
            },
          );
          socket.on('error', reject);
        });
        expect(text).toBe('hello');
      }
    } finally {
      server.close();
    }
  });
});

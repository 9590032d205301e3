import type { SecureContextOptions } from 'node:tls';

/**
 * TLS 1.2 with ECDHE key exchange and AEAD ciphers only (AES-GCM, ChaCha20-Poly1305), plus
 * TLS 1.3 (whose default suites are all AEAD; the CCM ones stay off). No CBC, SHA-1, CCM or ARIA.
 * RSA entries are for an operator who swaps in an RSA certificate; ours is ECDSA P-256.
 */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-CHACHA20-POLY1305',
] as const;

export const TLS13_CIPHERSUITES = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
] as const;

export const TLS_POLICY: SecureContextOptions & { honorCipherOrder: boolean } = {
  minVersion: 'TLSv1.2',
  // OpenSSL takes TLS 1.2 ciphers and TLS 1.3 suites in one list, each family by its own names.
  ciphers: [...TLS13_CIPHERSUITES, ...TLS12_CIPHERS].join(':'),
  honorCipherOrder: true,
};

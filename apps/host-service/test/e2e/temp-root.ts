import { makeTempRoot as makeRoot } from '@tools/testing';

export { mountsUnder, removeTempRoot } from '@tools/testing';

/** A fresh temp root for one e2e spec: /tmp/host-service-e2e-<prefix>-XXXXXX. */
export function makeTempRoot(prefix: string): Promise<string> {
  return makeRoot(`host-service-e2e-${prefix}`);
}

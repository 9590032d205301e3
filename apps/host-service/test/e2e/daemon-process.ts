import type { SpawnOptions } from 'node:child_process';
import { request } from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { startProcess } from '@tools/testing';
import { NODE_FLAGS } from '../../src/config/node-flags';
import type { DaemonProcess } from '@tools/testing';

export { freePort, putJson } from '@tools/testing';
export type { ApiAnswer, DaemonProcess } from '@tools/testing';

export const MAIN_JS = join(__dirname, '..', '..', '..', '..', 'dist', 'apps', 'host-service', 'main.js');

/**
 * Runs `node <NODE_FLAGS> main.js args` (as bin/host-service does) with exactly `env` (plus PATH, `OPS_PORT=0` and `APP_ENV=localdev`,
 * which `env` may override; a key set to `undefined` is left out), collecting its output. A daemon
 * a test leaves running is SIGKILLed after the spec file's tests (tools/testing `startProcess`).
 */
export function startDaemon(
  env: Record<string, string | undefined>,
  args: readonly string[] = [],
  options: Pick<SpawnOptions, 'uid' | 'gid'> & { nodeFlags?: readonly string[] } = {},
): DaemonProcess {
  const { nodeFlags = NODE_FLAGS, ...spawnOptions } = options;
  return startProcess(process.execPath, {
    args: [...nodeFlags, MAIN_JS, ...args],
    // OPS_PORT 0: daemons of tests running side by side must not fight over the default 4679.
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      OPS_PORT: '0',
      APP_ENV: 'localdev',
      ...env,
    },
    ...spawnOptions,
  });
}

/** The TLS certificate the daemon serves. */
export function peerCertificate(port: number): Promise<{ subjectaltname?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/', method: 'GET', rejectUnauthorized: false },
      (res) => {
        const cert =
          res.socket && 'getPeerCertificate' in res.socket
            ? (res.socket as TLSSocket).getPeerCertificate()
            : {};
        res.resume();
        resolve(cert);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

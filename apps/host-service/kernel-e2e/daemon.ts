import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
// By path, not `@tools/testing`: tsc compiles this test for plain node in the VM, which knows no
// path mapping (run.sh compiles from the repository root, so the file lands beside this one).
import { freePort, putJson, startProcess } from '../../../tools/testing/src/daemon-process';
import type { DaemonProcess } from '../../../tools/testing/src/daemon-process';

export { freePort, putJson };

const run = promisify(execFile);

/** The built daemon (dist/apps/host-service/main.js) as a child process, its output collected. */
export class Daemon {
  readonly #process: DaemonProcess;
  readonly exited: Promise<number | null>;

  constructor(mainJs: string, env: Record<string, string>) {
    this.#process = startProcess(process.execPath, {
      args: [mainJs],
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
    });
    this.exited = this.#process.exited;
  }

  output(): string {
    return this.#process.output();
  }

  /** Waits until the HTTPS port answers (any status), failing early if the daemon exits. */
  async waitForHttps(port: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      if (exited) throw new Error(`the daemon exited before serving HTTPS:\n${this.output()}`);
      if (Date.now() > deadline)
        throw new Error(`no HTTPS on port ${port} within ${timeoutMs} ms:\n${this.output()}`);
      if ((await putJson(port, '/', {}).catch(() => undefined)) !== undefined) return;
      await sleep(250);
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const { child } = this.#process;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return this.exited;
  }
}

export async function docker(...args: string[]): Promise<string> {
  return (await run('docker', args, { encoding: 'utf8', maxBuffer: 16 << 20 })).stdout;
}

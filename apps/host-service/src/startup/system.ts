import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';

/** Runs a system command (mount, umount, systemctl); rejects with its stderr when it fails. */
export function runCommand(command: string, args: readonly string[], timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { timeout: timeoutMs }, (err, _stdout, stderr) => {
      if (err === null) resolve();
      else
        reject(
          new Error(`${command} ${args.join(' ')} failed: ${String(stderr).trim() || err.message}`, {
            cause: err,
          }),
        );
    });
  });
}

/** sd_booted(3): systemd is PID 1 exactly when this dir exists. */
export async function systemdRunning(): Promise<boolean> {
  return stat('/run/systemd/system').then(
    (s) => s.isDirectory(),
    () => false,
  );
}

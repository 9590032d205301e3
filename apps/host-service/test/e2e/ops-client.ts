import { execFile } from 'node:child_process';

export interface OpsAnswer {
  readonly status: number;
  readonly text: string;
  readonly headers: Headers;
  json<T = unknown>(): T;
}

/** A request to the daemon's plain-HTTP ops listener on 127.0.0.1. */
export async function ops(port: number, path: string, method = 'GET'): Promise<OpsAnswer> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers, json: <T>() => JSON.parse(text) as T };
}

/** The ops port the daemon logged (`OPS_PORT=0` picks a free one). */
export function opsPortFrom(line: Record<string, unknown>): number {
  return Number(line.port);
}

/** One sample's value from Prometheus text, e.g. `fractal_containers{phase="running"}`. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** `promtool check metrics` on `text`: its exit code and what it said. */
export function promtool(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      // ENOENT: no promtool on PATH (tools/test.sh unpacks Debian's).
      if (typeof code !== 'number') return resolve({ code: -1, output: `promtool: ${String(err?.message)}` });
      resolve({ code, output: `${stdout}${stderr}` });
    });
    child.stdin?.end(text);
  });
}

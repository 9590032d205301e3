import { readFile } from 'node:fs/promises';

/** RAM figures in kB as decimal strings, the way heartbeats carry them. */
export interface MemInfo {
  readonly totalKb: string;
  readonly freeKb: string;
  readonly availKb: string;
}

/** Parses /proc/meminfo (`MemTotal:  16318620 kB` lines). */
export function parseMeminfo(text: string): MemInfo {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (m !== null) values.set(m[1], m[2]);
  }
  const need = (key: string): string => {
    const v = values.get(key);
    if (v === undefined) throw new Error(`/proc/meminfo has no ${key} line`);
    // Drops leading zeros so the string is the plain decimal number.
    return String(BigInt(v));
  };
  return { totalKb: need('MemTotal'), freeKb: need('MemFree'), availKb: need('MemAvailable') };
}

export async function readMeminfo(path = '/proc/meminfo'): Promise<MemInfo> {
  return parseMeminfo(await readFile(path, 'utf8'));
}

import { closeSync, constants, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeInputEvents } from '../src/encoding';
import type { InputEvent } from '../src/encoding';

/** An event as the tests compare it: the kernel's timestamps left out. */
export type Ev = readonly [type: number, code: number, value: number];

const EVENT_SIZE = 24;

/**
 * Reads a real evdev node. Non-blocking and polled, so a test that waits for events that never
 * come times out instead of parking a libuv thread on a read(2) that never returns.
 */
export class EvdevReader {
  readonly #fd: number;
  #pending: Ev[] = [];

  constructor(readonly path: string) {
    this.#fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  }

  /** Collects events until `count` arrived or `timeoutMs` passed; returns what arrived. */
  async read(count: number, timeoutMs = 5_000): Promise<Ev[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.#pending.length < count && Date.now() < deadline) {
      if (!this.#drain()) await sleep(10);
    }
    return this.#pending.splice(0, count);
  }

  /** read(2) once more: the errno code the kernel gives (ENODEV once the device is gone). */
  readErrorCode(): string | undefined {
    try {
      this.#drain();
      return undefined;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code;
    }
  }

  close(): void {
    closeSync(this.#fd);
  }

  #drain(): boolean {
    const buffer = Buffer.alloc(EVENT_SIZE * 64);
    let n: number;
    try {
      n = readSync(this.#fd, buffer, 0, buffer.length, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return false;
      throw error;
    }
    const events: InputEvent[] = decodeInputEvents(buffer.subarray(0, n));
    this.#pending.push(...events.map((e): Ev => [e.type, e.code, e.value]));
    return n > 0;
  }
}

/** What the kernel says about an event node: char device major, and its input device's name. */
export function describeNode(path: string): { isCharDevice: boolean; major: number; name: string } {
  const stat = statSync(path);
  const name = readFileSync(`/sys/class/input/${basename(path)}/device/name`, 'utf8').trim();
  return { isCharDevice: stat.isCharacterDevice(), major: Math.floor(stat.rdev / 256) & 0xfff, name };
}

export async function waitUntil(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

// Reading real evdev nodes (/dev/input/eventN), for the tests that run on a real kernel in the VM
// of tools/vm: libs/uinput/kernel-test and apps/host-service/kernel-e2e. They compile this file with
// tsc and run it under plain node, so Node built-ins only.
import { closeSync, constants, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** One `struct input_event` as the tests compare it: the kernel's timestamp left out. */
export type Ev = readonly [type: number, code: number, value: number];

const EVENT_SIZE = 24; // struct timeval (16) + __u16 type + __u16 code + __s32 value

/**
 * Reads a real evdev node. Non-blocking and polled, so a test that waits for events that never
 * come times out instead of parking a libuv thread on a read(2) that never returns.
 */
export class EvdevReader {
  readonly #fd: number;
  /** Every event read so far, in order. */
  readonly events: Ev[] = [];
  /** How many of `events` read() has handed out. */
  #taken = 0;

  constructor(readonly path: string) {
    this.#fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  }

  /** Collects events until `count` more arrived or `timeoutMs` passed; returns what arrived. */
  async read(count: number, timeoutMs = 5_000): Promise<Ev[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length - this.#taken < count && Date.now() < deadline) {
      if (!this.#drain()) await sleep(10);
    }
    const arrived = this.events.slice(this.#taken, this.#taken + count);
    this.#taken += arrived.length;
    return arrived;
  }

  /** Reads until `found(every event so far)` holds; throws after `timeoutMs`. */
  async until(what: string, found: (events: readonly Ev[]) => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!found(this.events)) {
      if (Date.now() > deadline) {
        throw new Error(
          `no ${what} on ${this.path} within ${timeoutMs} ms; read ${JSON.stringify(this.events)}`,
        );
      }
      if (!this.#drain()) await sleep(20);
    }
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
    if (n % EVENT_SIZE !== 0) {
      throw new RangeError(`${n} bytes is not a whole number of ${EVENT_SIZE}-byte input_events`);
    }
    for (let at = 0; at < n; at += EVENT_SIZE) {
      this.events.push([
        buffer.readUInt16LE(at + 16),
        buffer.readUInt16LE(at + 18),
        buffer.readInt32LE(at + 20),
      ]);
    }
    return n > 0;
  }
}

/** Whether `events` holds `sequence` contiguously. */
export function containsSequence(events: readonly Ev[], sequence: readonly Ev[]): boolean {
  const key = (e: Ev): string => e.join(',');
  const haystack = events.map(key).join(';');
  return `;${haystack};`.includes(`;${sequence.map(key).join(';')};`);
}

/** The input device name the kernel reports for an event node. */
export function nodeName(path: string): string {
  return readFileSync(`/sys/class/input/${basename(path)}/device/name`, 'utf8').trim();
}

/** What the kernel says about an event node: char device major, and its input device's name. */
export function describeNode(path: string): { isCharDevice: boolean; major: number; name: string } {
  const stat = statSync(path);
  return {
    isCharDevice: stat.isCharacterDevice(),
    major: Math.floor(stat.rdev / 256) & 0xfff,
    name: nodeName(path),
  };
}

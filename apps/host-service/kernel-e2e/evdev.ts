import { closeSync, constants, openSync, readFileSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** One `struct input_event` without its timestamp: [type, code, value]. */
export type Ev = readonly [number, number, number];

const EVENT_SIZE = 24; // struct timeval (16) + __u16 type + __u16 code + __s32 value

/** A real evdev node, read non-blocking and polled so that waiting can time out. */
export class EvdevReader {
  readonly #fd: number;
  readonly events: Ev[] = [];

  constructor(readonly path: string) {
    this.#fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  }

  /** Reads until `found(events so far)` holds; throws after `timeoutMs`. */
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

  /** The errno code a read gives now (ENODEV once the device is destroyed), or undefined. */
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
    for (let at = 0; at + EVENT_SIZE <= n; at += EVENT_SIZE) {
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

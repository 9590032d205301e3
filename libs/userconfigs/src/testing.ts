import { Readable } from 'node:stream';
import { configObjectKey, type ConfigKey } from './config-key';
import { ConfigStoreError } from './errors';
import type { ConfigStore } from './stores/config-store';

/**
 * A ConfigStore in memory for unit tests. `down = true` makes every call fail like an unreachable
 * store; `failNext(n)` fails only the next n calls. `objects` holds the stored bytes by object key.
 */
export class InMemoryConfigStore implements ConfigStore {
  readonly objects = new Map<string, Buffer>();
  down = false;
  private failures = 0;
  gets = 0;
  puts = 0;

  failNext(count = 1): void {
    this.failures += count;
  }

  async get(key: ConfigKey): Promise<Readable | null> {
    const objectKey = configObjectKey(key);
    this.gets++;
    this.maybeFail(objectKey);
    const data = this.objects.get(objectKey);
    return data ? Readable.from([data]) : null;
  }

  async put(key: ConfigKey, body: Readable): Promise<void> {
    const objectKey = configObjectKey(key);
    this.puts++;
    try {
      this.maybeFail(objectKey);
    } catch (err) {
      body.destroy();
      throw err;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    this.objects.set(objectKey, Buffer.concat(chunks));
  }

  private maybeFail(objectKey: string): void {
    if (this.down) throw new ConfigStoreError(objectKey, `in-memory store is down (${objectKey})`);
    if (this.failures > 0) {
      this.failures--;
      throw new ConfigStoreError(objectKey, `in-memory store failed on purpose (${objectKey})`);
    }
  }
}

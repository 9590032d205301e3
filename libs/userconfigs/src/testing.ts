import { Readable } from 'node:stream';
import { configObjectKey, type ConfigKey } from './config-key';
import { ConfigStoreError } from './errors';
import {
  generationKey,
  putOptions,
  type ConfigStore,
  type PutOptions,
  type StoreCallOptions,
  type StoredArchiveInfo,
} from './stores/config-store';

/**
 * A ConfigStore in memory for unit tests. `down = true` makes every call fail like an unreachable
 * store; `failNext(n)` fails only the next n calls; `stallBodies = true` makes `get` hand out the
 * first half of an archive and then nothing, until the stream is destroyed (a stalled download).
 * `objects` holds the stored bytes by object key (`<key>.prev` for the previous generation); `gets`,
 * `heads` and `puts` count the calls.
 */
export class InMemoryConfigStore implements ConfigStore {
  readonly objects = new Map<string, Buffer>();
  readonly endedAt = new Map<string, number>();
  down = false;
  stallBodies = false;
  private failures = 0;
  private versions = 0;
  private readonly versionOf = new Map<string, string>();
  gets = 0;
  heads = 0;
  puts = 0;

  failNext(count = 1): void {
    this.failures += count;
  }

  async get(key: ConfigKey, options: StoreCallOptions = {}): Promise<Readable | null> {
    const objectKey = generationKey(configObjectKey(key), options.generation);
    this.gets++;
    this.maybeFail(objectKey);
    const data = this.objects.get(objectKey);
    if (!data) return null;
    if (!this.stallBodies) return Readable.from([data]);
    const stalled = new Readable({ read: () => undefined });
    stalled.push(data.subarray(0, data.length >> 1));
    options.signal?.addEventListener('abort', () => stalled.destroy(options.signal?.reason as Error));
    return stalled;
  }

  async head(key: ConfigKey, options: StoreCallOptions = {}): Promise<StoredArchiveInfo | null> {
    const objectKey = generationKey(configObjectKey(key), options.generation);
    this.heads++;
    this.maybeFail(objectKey);
    const version = this.versionOf.get(objectKey);
    return version === undefined ? null : { version, endedAt: this.endedAt.get(objectKey) };
  }

  async put(key: ConfigKey, body: Readable, options?: PutOptions | number): Promise<void> {
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
    this.set(objectKey, Buffer.concat(chunks), putOptions(options).endedAt);
  }

  async keepAsPrevious(key: ConfigKey): Promise<void> {
    const objectKey = configObjectKey(key);
    this.maybeFail(objectKey);
    const data = this.objects.get(objectKey);
    if (data) this.set(generationKey(objectKey, 'previous'), data, this.endedAt.get(objectKey));
  }

  /** Stores bytes as if another host had uploaded them. */
  set(objectKey: string, data: Buffer, endedAt?: number): void {
    this.objects.set(objectKey, data);
    this.versionOf.set(objectKey, `v${++this.versions}`);
    if (endedAt === undefined) this.endedAt.delete(objectKey);
    else this.endedAt.set(objectKey, endedAt);
  }

  private maybeFail(objectKey: string): void {
    if (this.down) throw new ConfigStoreError(objectKey, `in-memory store is down (${objectKey})`);
    if (this.failures > 0) {
      this.failures--;
      throw new ConfigStoreError(objectKey, `in-memory store failed on purpose (${objectKey})`);
    }
  }
}

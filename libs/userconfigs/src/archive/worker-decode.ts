import { finished, Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import {
  asBuffer,
  type FromWorker,
  IN_FLIGHT_BYTES,
  INPUT_IN_FLIGHT_BYTES,
  owned,
  type ToDecoder,
  workerError,
} from './codec-worker-messages';

/**
 * `lz4 -d` on a codec worker: `source` (the decrypted LZ4 frame) flows to the worker as fast as
 * it consumes it, the tar bytes come back as a Readable that holds at most IN_FLIGHT_BYTES
 * unconsumed (the worker waits for acks beyond that). `onError` learns the first failure of a
 * stage (source, LZ4) before the Readable is destroyed with it.
 */
export function decodeInWorker(source: Readable, script: string, onError: (err: unknown) => void): Readable {
  const worker = new Worker(script, { workerData: { kind: 'decode' } });
  let unacked = 0;
  let ended = false;
  const send = (msg: ToDecoder): void => {
    if (msg.type === 'input') worker.postMessage(msg, [msg.chunk.buffer as ArrayBuffer]);
    else worker.postMessage(msg);
  };
  const tarBytes = new Readable({
    highWaterMark: IN_FLIGHT_BYTES,
    read() {
      if (unacked === 0) return;
      send({ type: 'ack', bytes: unacked });
      unacked = 0;
    },
    destroy(err, callback) {
      ended = true;
      // Stops the source's reads (an S3 body, a file) along with the worker.
      source.destroy();
      worker.terminate().then(
        () => callback(err),
        () => callback(err),
      );
    },
  });
  // The consumer learns a failure from the stream's state (finished()), even when it fails before
  // the consumer attached: no unhandled 'error' event meanwhile.
  tarBytes.on('error', () => undefined);
  const fail = (err: unknown): void => {
    if (ended) return;
    onError(err);
    tarBytes.destroy(err as Error);
  };
  // The source flows straight to the worker, paused while INPUT_IN_FLIGHT_BYTES are unconfirmed.
  let inputInFlight = 0;
  source.on('data', (chunk: Buffer) => {
    if (ended) return;
    // Decrypted chunks own their memory and move without a copy; views are copied.
    send({ type: 'input', chunk: owned(chunk) });
    inputInFlight += chunk.length;
    if (inputInFlight > INPUT_IN_FLIGHT_BYTES) source.pause();
  });
  source.once('end', () => {
    if (!ended) send({ type: 'end' });
  });
  finished(source, (err) => {
    if (err && !ended) fail(err);
  });
  worker.on('message', (msg: FromWorker) => {
    if (msg.type === 'consumed') {
      inputInFlight -= msg.bytes;
      if (inputInFlight <= INPUT_IN_FLIGHT_BYTES) source.resume();
    } else if (msg.type === 'data') {
      const chunk = asBuffer(msg.chunk);
      if (tarBytes.push(chunk)) send({ type: 'ack', bytes: chunk.length });
      else unacked += chunk.length;
    } else if (msg.type === 'done') {
      ended = true;
      tarBytes.push(null);
      void worker.terminate();
    } else if (msg.type === 'error') fail(workerError(msg));
  });
  worker.on('error', fail);
  worker.on('exit', () => fail(new Error('the codec worker stopped before the end of the archive')));
  return tarBytes;
}

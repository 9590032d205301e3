// Entry of the codec worker thread: LZ4, xxHash32 and AES run here while the calling thread
// walks, reads and writes files. Ships as `config-codec-worker.js` next to the module that
// starts it (see codecWorkerScript).
import { createCipheriv } from 'node:crypto';
import { pipeline, Readable, Writable } from 'node:stream';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { ArchiveSink } from './archive-sink';
import {
  asBuffer,
  describeError,
  IN_FLIGHT_BYTES,
  INPUT_IN_FLIGHT_BYTES,
  owned,
  type CodecJob,
  type FromWorker,
  type ToDecoder,
  type ToEncoder,
} from './codec-worker-messages';
import { Lz4FrameDecoder } from './lz4-frame-decoder';
import { LZ4_MAGIC_BYTES } from './lz4-frame-format';
import { OpensslDecryptStream } from './openssl-cipher';

function post(port: MessagePort, msg: FromWorker): void {
  if (msg.type === 'data') port.postMessage(msg, [msg.chunk.buffer as ArrayBuffer]);
  else if (msg.type === 'free') port.postMessage(msg, [msg.block.buffer as ArrayBuffer]);
  else port.postMessage(msg);
}

/** Raw tar blocks in, ciphertext out, block buffers handed back. */
function encode(port: MessagePort): void {
  let sink: ArchiveSink | undefined;
  const flush = (s: ArchiveSink): void => {
    for (const b of s.take()) post(port, { type: 'data', chunk: owned(b) });
  };
  port.on('message', (msg: ToEncoder) => {
    try {
      if (msg.type === 'init') {
        sink = new ArchiveSink(createCipheriv('aes-256-cbc', msg.key, msg.iv), asBuffer(msg.header));
        flush(sink);
      } else if (msg.type === 'block') {
        (sink as ArchiveSink).write(msg.block.subarray(0, msg.length));
        flush(sink as ArchiveSink);
        post(port, { type: 'free', block: msg.block });
      } else {
        (sink as ArchiveSink).finish();
        flush(sink as ArchiveSink);
        post(port, { type: 'done' });
      }
    } catch (err) {
      post(port, describeError(err));
    }
  });
}

/** Ciphertext in, tar bytes out, each side with a bounded amount unconfirmed. */
function decode(port: MessagePort, token: string): void {
  let sent = 0;
  let acked = 0;
  let blocked: (() => void) | undefined;
  let received = 0;
  const input = new Readable({
    highWaterMark: INPUT_IN_FLIGHT_BYTES,
    // Called whenever what is buffered here dropped below the mark: report what went through.
    read: () => {
      if (received > 0) post(port, { type: 'consumed', bytes: received });
      received = 0;
    },
  });
  const output = new Writable({
    write(chunk: Buffer, _enc, callback) {
      post(port, { type: 'data', chunk: owned(chunk) });
      sent += chunk.length;
      if (sent - acked <= IN_FLIGHT_BYTES) callback();
      else blocked = callback;
    },
    final(callback) {
      post(port, { type: 'done' });
      callback();
    },
  });
  port.on('message', (msg: ToDecoder) => {
    if (msg.type === 'input') {
      received += msg.chunk.byteLength;
      input.push(asBuffer(msg.chunk));
    } else if (msg.type === 'end') input.push(null);
    else {
      acked += msg.bytes;
      if (blocked && sent - acked <= IN_FLIGHT_BYTES) {
        const go = blocked;
        blocked = undefined;
        go();
      }
    }
  });
  pipeline(input, new OpensslDecryptStream(token, LZ4_MAGIC_BYTES), new Lz4FrameDecoder(), output, (err) => {
    if (err) post(port, describeError(err));
  });
}

const job = workerData as CodecJob;
const port = parentPort as MessagePort;
if (job.kind === 'encode') encode(port);
else decode(port, job.token);

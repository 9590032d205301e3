// Entry of the codec worker thread: LZ4 runs here while the calling thread walks, reads and
// writes files, hashes and encrypts or decrypts. Runs only through packArchive/unpackArchive given
// its compiled path (specs, bench): see bench/README.md for why it is not the default.
import { pipeline, Readable, Writable } from 'node:stream';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import {
  asBuffer,
  describeError,
  IN_FLIGHT_BYTES,
  INPUT_IN_FLIGHT_BYTES,
  owned,
  type CodecJob,
  type FromWorker,
  type ToCompressor,
  type ToDecoder,
} from './codec-worker-messages';
import { Lz4BlockCompressor } from './lz4-block-compressor';
import { Lz4FrameDecoder } from './lz4-frame-decoder';

function post(port: MessagePort, msg: FromWorker): void {
  if (msg.type === 'data') port.postMessage(msg, [msg.chunk.buffer as ArrayBuffer]);
  else if (msg.type === 'packed') port.postMessage(msg, [msg.block.buffer as ArrayBuffer]);
  else port.postMessage(msg);
}

/**
 * Raw tar blocks in, LZ4 blocks out, compressed into the same buffer: nothing is allocated per
 * block. (xxHash32 and AES stay on the calling thread, which is otherwise idle waiting on reads.)
 */
function compress(port: MessagePort): void {
  const compressor = new Lz4BlockCompressor();
  let scratch = Buffer.alloc(0);
  port.on('message', (msg: ToCompressor) => {
    try {
      const raw = msg.block.subarray(0, msg.length);
      if (scratch.length < raw.length) scratch = Buffer.allocUnsafe(raw.length);
      // Kept only when smaller than the input, as the lz4 CLI does; else the block goes raw.
      const n = compressor.compress(raw, scratch, raw.length - 1);
      if (n > 0) msg.block.set(scratch.subarray(0, n));
      post(port, { type: 'packed', block: msg.block, length: n > 0 ? n : raw.length, stored: n === 0 });
    } catch (err) {
      post(port, describeError(err));
    }
  });
}

/** Ciphertext in, tar bytes out, each side with a bounded amount unconfirmed. */
function decode(port: MessagePort): void {
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
  pipeline(input, new Lz4FrameDecoder(), output, (err) => {
    if (err) post(port, describeError(err));
  });
}

const job = workerData as CodecJob;
const port = parentPort as MessagePort;
if (job.kind === 'compress') compress(port);
else decode(port);

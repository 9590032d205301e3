import type { EventEmitter } from 'node:events';

/** Resolves on 'drain'; rejects when the stream closes or fails first, so a writer never hangs. */
export function waitWritable(stream: EventEmitter): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      stream.off('error', onError);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('stream closed while waiting to write'));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    stream.on('drain', onDrain);
    stream.on('close', onClose);
    stream.on('error', onError);
  });
}

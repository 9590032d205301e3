// Test-only helpers that several projects share. Workspace-only (`@tools/testing`), never built or
// published; only specs, test/ folders and benches may import it, and the kernel tests by path
// (eslint.config.mjs).
export { mulberry32 } from './mulberry32';
export { removeContainers, removeLabelled } from './remove-labelled';
export { waitFor, waitUntil } from './poll';
export { startS3rver } from './s3rver';
export { makeTempRoot, mountsUnder, removeTempRoot } from './temp-root';
export type { S3rverStandIn } from './s3rver';
export { freePort, putJson, startProcess } from './daemon-process';
export type { ApiAnswer, DaemonProcess, StartProcessOptions } from './daemon-process';

// Test-only helpers that several projects share. Workspace-only (`@tools/testing`), never built or
// published; only specs, test/ folders and benches may import it (eslint.config.mjs).
export { mulberry32 } from './mulberry32';
export { removeLabelled } from './remove-labelled';
export { freePort, putJson, startProcess } from './daemon-process';
export type { ApiAnswer, DaemonProcess, StartProcessOptions } from './daemon-process';

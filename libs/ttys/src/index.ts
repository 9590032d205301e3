export { DEFAULT_MAX_TTY, DEFAULT_MIN_TTY, TtyAllocator } from './tty-allocator';
export type { TtyAllocatorOptions } from './tty-allocator';
export { TtyError } from './tty-error';
export type { TtyErrorCode, TtyErrorDetails } from './tty-error';

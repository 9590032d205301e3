export type { SdNotifyErrorCode } from './errors';
export { SdNotifyError, SdNotifySyscallError, errnoName } from './errors';
export type { EncodedAddress } from './address';
export { encodeUnixAddress } from './address';
export type { NotifySyscalls } from './syscalls';
export { createKoffiSyscalls } from './koffi-syscalls';
export type { NotifyState, SdNotifierOptions } from './notifier';
export { SdNotifier, encodeState } from './notifier';

export { NotifyListener } from './notify-listener';
export type { NotifyCallName } from './recording-syscalls';
export { RecordingNotifySyscalls } from './recording-syscalls';

// Entry point `@fractal/uinput/fd-passing`: hands open fds to a process over an AF_UNIX socket
// (SCM_RIGHTS). Nothing here is about input devices; it is how the device fds reach a container.
export type { SendFdsOptions } from './send-fds';
export { sendFds } from './send-fds';

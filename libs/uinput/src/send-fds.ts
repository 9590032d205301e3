import { chmod, chown, lstat, mkdir, rm } from 'node:fs/promises';
import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { SOCKET } from './constants';
import { encodeScmRights } from './encoding';
import { UinputError, UinputSyscallError } from './errors';
import { createKoffiSyscalls } from './koffi-syscalls';
import type { UinputSyscalls } from './syscalls';

export interface SendFdsOptions {
  /** Abort while waiting (the container died first): the listener closes and the socket goes. */
  signal?: AbortSignal;
  /** Defaults to the real syscalls (`createKoffiSyscalls()`). */
  syscalls?: UinputSyscalls;
}

// SCM_MAX_FD in the kernel; more in one message fails with EINVAL.
const MAX_FDS = 253;
// sun_path is 108 bytes including the terminating NUL.
const MAX_SOCKET_PATH = 107;

/**
 * Listens on the unix socket `socketPath`, waits for one client and sends it `fds` in a single
 * SCM_RIGHTS message (with one zero data byte, as Go's `WriteMsgUnix` does), then closes the
 * connection and the listener and removes the socket file. Any other client is dropped unserved.
 */
export async function sendFds(
  socketPath: string,
  fds: readonly number[],
  options: SendFdsOptions = {},
): Promise<void> {
  validate(socketPath, fds);
  const { signal } = options;
  if (signal?.aborted) throw aborted(socketPath, signal);
  const syscalls = options.syscalls ?? createKoffiSyscalls();
  await prepareSocketPath(socketPath);
  const server = createServer({ pauseOnConnect: true });
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  let bound = false;
  try {
    await listen(server, socketPath);
    bound = true;
    await serveOnce(server, socketPath, fds, syscalls, signal);
  } finally {
    // 'close' comes once the listening fd is closed and every accepted connection is gone.
    server.close();
    await closed;
    // libuv unlinks the path on close already; this only matters if that failed. A socket we never
    // bound is someone else's and stays.
    if (bound) await rm(socketPath, { force: true });
  }
}

function validate(socketPath: string, fds: readonly number[]): void {
  if (!socketPath.startsWith('/') || Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new UinputError(
      'INVALID_ARGUMENT',
      `socket path "${socketPath}" must be absolute and at most ${MAX_SOCKET_PATH} bytes`,
    );
  }
  if (fds.length === 0 || fds.length > MAX_FDS || !fds.every((fd) => Number.isInteger(fd) && fd >= 0)) {
    throw new UinputError(
      'INVALID_ARGUMENT',
      `cannot send fds [${fds.join(', ')}] on ${socketPath}: need 1..${MAX_FDS} fds >= 0`,
    );
  }
}

async function prepareSocketPath(socketPath: string): Promise<void> {
  const dir = dirname(socketPath);
  const step = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw new UinputError(
        'SOCKET_FAILED',
        `cannot ${what} for the socket ${socketPath}: ${(error as Error).message}; check the path`,
        { cause: error },
      );
    }
  };
  await step(`create ${dir}`, () => mkdir(dir, { recursive: true, mode: 0o700 }));
  // An existing dir may belong to someone else, who could then swap the socket: it must be ours.
  await step(`take ownership of ${dir}`, async () => {
    if (process.getuid && process.getgid) await chown(dir, process.getuid(), process.getgid());
    await chmod(dir, 0o700);
  });
  const stale = await step('check an existing socket file', () =>
    lstat(socketPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    }),
  );
  if (stale === undefined) return;
  if (!stale.isSocket()) {
    throw new UinputError(
      'SOCKET_PATH_IN_USE',
      `${socketPath} exists and is not a socket; remove it or pick another path`,
    );
  }
  await step('remove the stale socket file', () => rm(socketPath));
}

function listen(server: Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new UinputError('SOCKET_FAILED', `cannot listen on ${socketPath}: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    server.listen(socketPath, () => resolve());
  });
}

function serveOnce(
  server: Server,
  socketPath: string,
  fds: readonly number[],
  syscalls: UinputSyscalls,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let served = false;
    const onAbort = (): void => {
      if (served) return;
      served = true;
      reject(aborted(socketPath, signal as AbortSignal));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    server.on('connection', (socket: Socket) => {
      socket.on('error', () => undefined); // a client that resets must not crash the daemon
      if (served) {
        socket.destroy();
        return;
      }
      served = true;
      signal?.removeEventListener('abort', onAbort);
      server.close(); // stop accepting now; a later client finds nothing to connect to
      try {
        send(socket, socketPath, fds, syscalls);
      } catch (error) {
        destroy(socket).then(() => reject(error), reject);
        return;
      }
      destroy(socket).then(resolve, reject);
    });
  });
}

function send(socket: Socket, socketPath: string, fds: readonly number[], syscalls: UinputSyscalls): void {
  // Node exposes no sendmsg, so the message goes out on the accepted connection's own fd.
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    throw new UinputError('SOCKET_FAILED', `cannot get the fd of the connection on ${socketPath}`);
  }
  const data = Buffer.alloc(1);
  const sent = syscalls.sendmsg(fd, data, encodeScmRights(fds), SOCKET.MSG_NOSIGNAL);
  if (sent < 0)
    throw new UinputSyscallError({ call: 'sendmsg(SCM_RIGHTS)', errno: -sent, device: socketPath });
  if (sent !== data.length)
    throw new UinputSyscallError({ call: 'sendmsg(SCM_RIGHTS)', errno: 5, device: socketPath });
}

function destroy(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.closed) return resolve();
    socket.once('close', () => resolve());
    socket.destroy();
  });
}

function aborted(socketPath: string, signal: AbortSignal): UinputError {
  return new UinputError('ABORTED', `stopped waiting for a client on ${socketPath}: aborted`, {
    cause: signal.reason,
  });
}

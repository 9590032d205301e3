import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UinputError } from './errors';
import { RecordingSyscalls } from './recording-syscalls';
import { sendFds } from './send-fds';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'uinput-send-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Connects (retrying until the listener is up) and resolves with what the server sent before closing. */
async function receive(path: string): Promise<Buffer> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        const socket = createConnection(path);
        socket.on('data', (chunk) => chunks.push(chunk));
        socket.on('error', reject);
        socket.on('close', () => resolve(Buffer.concat(chunks)));
      });
    } catch (error) {
      if (attempt > 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

describe('sendFds', () => {
  it('creates the dir 0700, serves one client with one SCM_RIGHTS message and removes the socket', async () => {
    const syscalls = new RecordingSyscalls();
    const socketPath = join(dir, 'sockets', 'uinput.sock');
    const sending = sendFds(socketPath, [11, 12, 13], { syscalls });
    await receive(socketPath);
    await sending;
    const sent = syscalls.calls.filter((c) => c.call === 'sendmsg');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      call: 'sendmsg',
      fds: [11, 12, 13],
      data: Buffer.from([0]),
      flags: 0x4000,
      result: 1,
    });
    expect((await stat(join(dir, 'sockets'))).mode & 0o777).toBe(0o700);
    expect(existsSync(socketPath)).toBe(false);
  });

  it('replaces a stale socket file but refuses to remove anything else', async () => {
    const socketPath = join(dir, 'uinput.sock');
    const stale = createServer();
    await new Promise<void>((resolve) => stale.listen(`${socketPath}.old`, resolve));
    // Keep a dead socket file, as a crashed daemon would: libuv only unlinks the name it bound.
    await rename(`${socketPath}.old`, socketPath);
    await new Promise((resolve) => stale.close(resolve));
    expect(existsSync(socketPath)).toBe(true);
    const syscalls = new RecordingSyscalls();
    const sending = sendFds(socketPath, [3], { syscalls });
    await receive(socketPath);
    await sending;
    expect(syscalls.calls.filter((c) => c.call === 'sendmsg')).toHaveLength(1);

    const file = join(dir, 'not-a-socket');
    await writeFile(file, 'keep me');
    await expect(sendFds(file, [3], { syscalls })).rejects.toMatchObject({ code: 'SOCKET_PATH_IN_USE' });
    expect(existsSync(file)).toBe(true);
  });

  it('on abort stops listening, removes the socket and rejects with ABORTED', async () => {
    const socketPath = join(dir, 'uinput.sock');
    const controller = new AbortController();
    const sending = sendFds(socketPath, [3], {
      syscalls: new RecordingSyscalls(),
      signal: controller.signal,
    });
    for (let i = 0; i < 200 && !existsSync(socketPath); i++) await new Promise((r) => setTimeout(r, 5));
    expect(existsSync(socketPath)).toBe(true);
    controller.abort(new Error('container died'));
    await expect(sending).rejects.toMatchObject({ code: 'ABORTED', cause: new Error('container died') });
    expect(existsSync(socketPath)).toBe(false);
    await expect(sendFds(socketPath, [3], { signal: controller.signal })).rejects.toMatchObject({
      code: 'ABORTED',
    });
    expect(existsSync(dir + '/uinput.sock')).toBe(false);
  });

  it('rejects with the wrapped errno when sendmsg fails, and validates its arguments', async () => {
    const socketPath = join(dir, 'uinput.sock');
    const syscalls = new RecordingSyscalls().fail({ call: 'sendmsg', errno: 'EBADF' });
    const sending = sendFds(socketPath, [3], { syscalls });
    const done = expect(sending).rejects.toMatchObject({
      call: 'sendmsg(SCM_RIGHTS)',
      errnoName: 'EBADF',
      device: socketPath,
    });
    await receive(socketPath);
    await done;
    expect(existsSync(socketPath)).toBe(false);
    await expect(sendFds('relative.sock', [3], { syscalls })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(sendFds(socketPath, [], { syscalls })).rejects.toThrow(/need 1\.\.253 fds/);
    await expect(sendFds('/' + 'x'.repeat(120), [1], { syscalls })).rejects.toThrow(/at most 107 bytes/);
  });

  it('takes over an existing socket dir owned by someone else: ours, 0700', async () => {
    const sockets = join(dir, 'sockets');
    await mkdir(sockets, { mode: 0o777 });
    await chown(sockets, 4321, 4321);
    const socketPath = join(sockets, 'uinput.sock');
    const sending = sendFds(socketPath, [3], { syscalls: new RecordingSyscalls() });
    await receive(socketPath);
    await sending;
    const st = await stat(sockets);
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([process.getuid?.(), process.getgid?.(), 0o700]);
  });

  it('reports a socket dir it cannot create as a typed SOCKET_FAILED error', async () => {
    await writeFile(join(dir, 'file'), '');
    const sending = sendFds(join(dir, 'file', 'uinput.sock'), [3], { syscalls: new RecordingSyscalls() });
    await expect(sending).rejects.toBeInstanceOf(UinputError);
    await expect(sending).rejects.toMatchObject({ code: 'SOCKET_FAILED', message: /file\/uinput\.sock/ });
  });
});

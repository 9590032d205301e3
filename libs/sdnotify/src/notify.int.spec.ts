import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SdNotifier } from './notifier';
import { NotifyListener } from './notify-listener';

/** A receiver written against Python's socket module: proves our address encoding is the kernel's. */
const PY_RECEIVER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
addr = sys.argv[1]
s.bind('\\0' + addr[1:] if addr.startswith('@') else addr)
print('bound', flush=True)
print(s.recv(4096).decode(), flush=True)
`;

function pythonReceive(address: string): Promise<{ ready: Promise<void>; message: Promise<string> }> {
  const child = spawn('python3', ['-c', PY_RECEIVER, address], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.startsWith('bound\n')) resolve();
    });
    child.on('error', reject);
  });
  const message = new Promise<string>((resolve) =>
    child.on('close', () => resolve(out.slice('bound\n'.length, -1))),
  );
  return Promise.resolve({ ready, message });
}

describe('SdNotifier through koffi and real AF_UNIX datagram sockets', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sdnotify-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers to a listener on a filesystem path', async () => {
    const listener = new NotifyListener(join(dir, 'notify.sock'));
    const notifier = new SdNotifier({ socket: listener.address });
    try {
      expect(notifier.ready('up')).toBe(true);
      expect(notifier.stopping()).toBe(true);
      await listener.waitFor('STOPPING=1', 5_000);
      expect(listener.messages()).toEqual(['READY=1\nSTATUS=up', 'STOPPING=1']);
    } finally {
      notifier.close();
      listener.close();
    }
  });

  it('delivers to a listener in the abstract namespace', async () => {
    const listener = new NotifyListener();
    expect(listener.address.startsWith('@')).toBe(true);
    const notifier = new SdNotifier({ socket: listener.address });
    try {
      notifier.ready();
      await expect(listener.waitFor('READY=1', 5_000)).resolves.toBe('READY=1');
    } finally {
      notifier.close();
      listener.close();
    }
  });

  it.each([['path'], ['abstract']])('speaks what a Python receiver on a %s socket reads', async (kind) => {
    const address = kind === 'path' ? join(dir, 'py.sock') : `@fractal-sdnotify-py-${process.pid}`;
    const py = await pythonReceive(address);
    await py.ready;
    const notifier = new SdNotifier({ socket: address });
    notifier.notify({ READY: 1, STATUS: 'from node' });
    notifier.close();
    expect(await py.message).toBe('READY=1\nSTATUS=from node');
  });

  it('reports ECONNREFUSED when nobody listens and ENOENT for a missing path', () => {
    const errors: string[] = [];
    const onError = (e: Error): void => void errors.push(e.message);
    for (const socket of [`@fractal-sdnotify-nobody-${process.pid}`, join(dir, 'missing.sock')]) {
      const notifier = new SdNotifier({ socket, onError });
      expect(notifier.ready()).toBe(false);
      notifier.close();
    }
    expect(errors).toEqual([
      expect.stringMatching(/sendto .* failed: ECONNREFUSED/),
      expect.stringMatching(/sendto .* failed: ENOENT/),
    ]);
  });

  it('refuses to bind an address already in use', () => {
    const first = new NotifyListener(join(dir, 'busy.sock'));
    try {
      expect(() => new NotifyListener(first.address)).toThrow(/bind on notify socket .* EADDRINUSE/);
    } finally {
      first.close();
    }
  });

  it('leaves no fds open after close', () => {
    const fdCount = (): number => readdirSync('/proc/self/fd').length;
    const before = fdCount();
    for (let i = 0; i < 20; i += 1) {
      const listener = new NotifyListener();
      const notifier = new SdNotifier({ socket: listener.address });
      notifier.ready();
      notifier.close();
      listener.close();
    }
    expect(fdCount()).toBe(before);
  });
});

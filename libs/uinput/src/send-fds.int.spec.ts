import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKoffiSyscalls } from './koffi-syscalls';
import { sendFds } from './send-fds';

// Connects `clients` sockets back to back (the first retries for `wait` seconds, later ones may
// be refused or reset), then receives on each
// with socket.recv_fds and reads every file through the received fds.
const RECEIVER = `
import json, os, socket, sys, time
path, clients, wait = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
socks, deadline = [], time.time() + wait
for i in range(clients):
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            s.close()
            s = None
            if i > 0 or time.time() > deadline:
                break
            time.sleep(0.01)
    socks.append(s)
out = []
for s in socks:
    if s is None:
        out.append({"refused": True, "fds": 0})
        continue
    try:
        msg, fds, flags, addr = socket.recv_fds(s, 16, 16)
    except ConnectionResetError:
        out.append({"reset": True, "fds": 0})
        continue
    contents = []
    for fd in fds:
        contents.append(os.read(fd, 4096).decode())
        os.close(fd)
    out.append({"data": msg.hex(), "fds": len(fds), "contents": contents, "eof": s.recv(1) == b""})
    s.close()
print(json.dumps(out))
`;

function runReceiver(
  script: string,
  socketPath: string,
  clients: number,
  waitSeconds = 20,
): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [script, socketPath, String(clients), String(waitSeconds)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(stdout) as unknown[]);
      else reject(new Error(`receiver exited ${code}: ${stderr}`));
    });
  });
}

const openFdCount = (): number => readdirSync('/proc/self/fd').length;

describe('sendFds to another process (real SCM_RIGHTS)', () => {
  const syscalls = createKoffiSyscalls();
  let dir: string;
  let script: string;
  let files: number[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'uinput-fds-'));
    script = join(dir, 'receiver.py');
    writeFileSync(script, RECEIVER);
    files = ['absolute', 'relative', 'keyboard'].map((name) => {
      writeFileSync(join(dir, name), `contents of ${name}`);
      return openSync(join(dir, name), 'r');
    });
  });
  afterEach(() => {
    for (const fd of files) closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands the fds to a python3 client, which reads the files through them', async () => {
    const socketPath = join(dir, 'sockets', 'uinput.sock');
    const before = openFdCount();
    const [received] = await Promise.all([
      runReceiver(script, socketPath, 1),
      sendFds(socketPath, files, { syscalls }),
    ]);
    expect(received).toEqual([
      {
        data: '00',
        fds: 3,
        contents: ['contents of absolute', 'contents of relative', 'contents of keyboard'],
        eof: true,
      },
    ]);
    expect(existsSync(socketPath)).toBe(false);
    expect(openFdCount()).toBe(before);
  });

  it('serves one client only: a second one gets no fds', async () => {
    const socketPath = join(dir, 'uinput.sock');
    const [received] = await Promise.all([
      runReceiver(script, socketPath, 2),
      sendFds(socketPath, files, { syscalls }),
    ]);
    const results = received as { fds: number; contents?: string[] }[];
    expect(results[0]).toMatchObject({
      fds: 3,
      contents: ['contents of absolute', 'contents of relative', 'contents of keyboard'],
    });
    expect(results[1].fds).toBe(0);
  });

  it('abort before any client leaves no socket file and no open fd', async () => {
    const socketPath = join(dir, 'uinput.sock');
    const before = openFdCount();
    const controller = new AbortController();
    const sending = sendFds(socketPath, files, { syscalls, signal: controller.signal });
    for (let i = 0; i < 400 && !existsSync(socketPath); i++) await new Promise((r) => setTimeout(r, 5));
    expect(existsSync(socketPath)).toBe(true);
    expect(openFdCount()).toBe(before + 1); // the listener
    controller.abort();
    await expect(sending).rejects.toMatchObject({ code: 'ABORTED' });
    expect(existsSync(socketPath)).toBe(false);
    expect(openFdCount()).toBe(before);
    expect(await runReceiver(script, socketPath, 1, 0.3)).toEqual([{ refused: true, fds: 0 }]);
  });
});

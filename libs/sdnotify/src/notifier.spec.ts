import { SdNotifyError } from './errors';
import { SdNotifier, encodeState } from './notifier';
import { NotifyListener } from './notify-listener';
import { RecordingNotifySyscalls } from './recording-syscalls';

const ECONNREFUSED = 111;
const EMFILE = 24;

describe('SdNotifier on the recording kernel', () => {
  let sys: RecordingNotifySyscalls;
  let listener: NotifyListener;

  beforeEach(() => {
    sys = new RecordingNotifySyscalls();
    listener = new NotifyListener('@unit-notify', sys);
  });
  afterEach(() => listener.close());

  it('does nothing, and makes no socket, when NOTIFY_SOCKET is unset or empty', () => {
    for (const socket of [undefined, '']) {
      const notifier = new SdNotifier({ socket, syscalls: sys });
      expect(notifier.enabled).toBe(false);
      expect(notifier.ready()).toBe(false);
    }
    expect(sys.calls.filter((c) => c.startsWith('sendto'))).toEqual([]);
  });

  it('sends READY=1, STATUS and STOPPING=1 as datagrams over one socket', async () => {
    const notifier = new SdNotifier({ socket: '@unit-notify', syscalls: sys });
    expect(notifier.ready('listening on 4678')).toBe(true);
    expect(notifier.stopping()).toBe(true);
    expect(listener.messages()).toEqual(['READY=1\nSTATUS=listening on 4678', 'STOPPING=1']);
    expect(sys.calls.filter((c) => c.startsWith('socket'))).toHaveLength(2); // listener's + notifier's
    await expect(listener.waitFor('STOPPING=1', 100)).resolves.toBe('STOPPING=1');
  });

  it('closes its socket once, and later calls do nothing', () => {
    const notifier = new SdNotifier({ socket: '@unit-notify', syscalls: sys });
    notifier.status('x');
    notifier.close();
    notifier.close();
    expect(notifier.stopping()).toBe(false);
    expect(sys.openFds()).toHaveLength(1); // only the listener's
  });

  it('throws a syscall error naming the socket and errno when nothing listens', () => {
    const notifier = new SdNotifier({ socket: '@nobody-here', syscalls: sys });
    expect(() => notifier.ready()).toThrow(
      /sendto on notify socket @nobody-here failed: ECONNREFUSED \(errno 111\); nothing listens there/,
    );
  });

  it('hands failures to onError and returns false instead of throwing', () => {
    const errors: SdNotifyError[] = [];
    const notifier = new SdNotifier({
      socket: '@unit-notify',
      syscalls: sys,
      onError: (e) => errors.push(e),
    });
    sys.failNext('socket', EMFILE);
    expect(notifier.ready()).toBe(false);
    sys.failNext('sendto', ECONNREFUSED);
    expect(notifier.ready()).toBe(false);
    expect(notifier.ready()).toBe(true); // the socket is made again after the failed attempt
    expect(errors.map((e) => [e.code, e.message.split(':')[0]])).toEqual([
      ['SYSCALL_FAILED', 'socket(AF_UNIX, SOCK_DGRAM) on notify socket @unit-notify failed'],
      ['SYSCALL_FAILED', 'sendto on notify socket @unit-notify failed'],
    ]);
    expect(listener.messages()).toEqual(['READY=1']);
  });

  it('refuses a bad address when built, a bad state when sending', () => {
    expect(() => new SdNotifier({ socket: 'notify', syscalls: sys })).toThrow(SdNotifyError);
    const notifier = new SdNotifier({ socket: '@unit-notify', syscalls: sys, onError: () => undefined });
    expect(() => notifier.status('two\nlines')).toThrow(/STATUS contains a newline/);
  });
});

describe('NotifyListener on the recording kernel', () => {
  it('fails pending waits with the errno when recv fails, instead of throwing from a timer', async () => {
    const sys = new RecordingNotifySyscalls();
    const listener = new NotifyListener('@unit-recv', sys);
    try {
      const waiting = listener.waitFor('READY=1', 5_000);
      sys.failNext('recv', 9);
      await expect(waiting).rejects.toThrow(/recv on notify socket @unit-recv failed: EBADF/);
    } finally {
      listener.close();
    }
  });
});

describe('encodeState', () => {
  it('joins a record as KEY=value lines and passes raw text through', () => {
    expect(encodeState({ READY: 1, STATUS: 'ok', MAINPID: 42 })).toBe('READY=1\nSTATUS=ok\nMAINPID=42');
    expect(encodeState('WATCHDOG=1')).toBe('WATCHDOG=1');
  });

  it.each([
    [{}, /empty/],
    ['  ', /empty/],
    [{ ready: 1 }, /"ready" is not an upper-case variable name/],
    [{ 'A=B': 1 }, /not an upper-case variable name/],
    [{ STATUS: 'a\0b' }, /NUL/],
    ['READY=1\0', /NUL/],
  ])('refuses %j', (state, message) => {
    expect(() => encodeState(state)).toThrow(message);
  });
});

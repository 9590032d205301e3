import { listenHint } from './listen-hint';

const err = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`listen ${code}`), { code });

describe('listenHint', () => {
  it('names the port and the setting to change', () => {
    expect(listenHint(err('EADDRINUSE'), 4678, 'HOST_SERVICE_PORT', 'HOST_SERVICE_HOST')).toBe(
      "port 4678 is already in use (EADDRINUSE); another host service may still be running (`ss -ltnp 'sport = :4678'` shows who), stop it or set HOST_SERVICE_PORT to a free port",
    );
    expect(listenHint(err('EADDRNOTAVAIL'), 1, 'OPS_PORT', 'OPS_HOST')).toContain('set OPS_HOST');
    expect(listenHint(err('EACCES'), 80, 'OPS_PORT', 'OPS_HOST')).toContain('set OPS_PORT higher');
    expect(listenHint(err('EOTHER'), 1, 'A', 'B')).toBe('listen EOTHER');
  });
});

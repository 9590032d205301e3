import { createDeviceSource } from './device-source';

class Unavailable extends Error {}

const setup = (mode: 'auto' | 'required' | 'off', fail?: Error) => {
  const warnings: string[] = [];
  let calls = 0;
  const source = createDeviceSource<string>({
    mode,
    allocate: async () => {
      calls += 1;
      if (fail !== undefined) throw fail;
      return 'devices';
    },
    isUnavailable: (err) => err instanceof Unavailable,
    logger: { warn: (_obj, msg) => void warnings.push(String(msg)) },
  });
  return { source, warnings, calls: () => calls };
};

describe('createDeviceSource', () => {
  it('never allocates when off', async () => {
    const s = setup('off');
    await expect(s.source.allocate()).resolves.toBeNull();
    expect(s.calls()).toBe(0);
  });

  it('allocates when uinput works', async () => {
    await expect(setup('auto').source.allocate()).resolves.toBe('devices');
    await expect(setup('required').source.allocate()).resolves.toBe('devices');
  });

  it('runs without devices in auto mode where uinput is missing, saying why once', async () => {
    const s = setup('auto', new Unavailable('/dev/uinput does not exist'));
    await expect(s.source.allocate()).resolves.toBeNull();
    await expect(s.source.allocate()).resolves.toBeNull();
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toContain('UINPUT=auto: uinput is not available on this host');
  });

  it('fails the spin-up in required mode, and on real errors in auto mode', async () => {
    await expect(setup('required', new Unavailable('missing')).source.allocate()).rejects.toThrow('missing');
    await expect(setup('auto', new Error('EMFILE')).source.allocate()).rejects.toThrow('EMFILE');
  });
});

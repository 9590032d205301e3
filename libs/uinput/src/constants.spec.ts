import { UI, ioctlName } from './constants';
import { errnoName } from './errors';

describe('constants', () => {
  it('computes the uinput ioctl numbers as <linux/uinput.h> does on x86_64', () => {
    expect(UI.DEV_CREATE).toBe(0x5501);
    expect(UI.DEV_DESTROY).toBe(0x5502);
    expect(UI.SET_EVBIT).toBe(0x40045564);
    expect(UI.SET_ABSBIT).toBe(0x40045567);
    expect(UI.GET_SYSNAME(64)).toBe(0x8040552c);
  });

  it('names requests and errnos for messages', () => {
    expect(ioctlName(0x40045565)).toBe('UI_SET_KEYBIT');
    expect(ioctlName(UI.GET_SYSNAME(16))).toBe('UI_GET_SYSNAME(16)');
    expect(ioctlName(0x1234)).toBe('0x1234');
    expect(errnoName(25)).toBe('ENOTTY');
    expect(errnoName(9999)).toBe('E9999');
  });
});

import * as fdPassing from './fd-passing';
import * as fractalSet from './fractal-set';
import * as main from './index';

describe('entry points', () => {
  it('serves the Fractal set from ./fractal-set and fd passing from ./fd-passing', () => {
    expect(Object.keys(fractalSet).sort()).toEqual([
      'ABSOLUTE_AXIS_MAX',
      'DEVICE_SET_NAMES',
      'allocateDeviceSet',
    ]);
    expect(Object.keys(fdPassing)).toEqual(['sendFds']);
  });

  it('keeps the old names on the main entry, as the same values', () => {
    expect(main.allocateDeviceSet).toBe(fractalSet.allocateDeviceSet);
    expect(main.DEVICE_SET_NAMES).toBe(fractalSet.DEVICE_SET_NAMES);
    expect(main.ABSOLUTE_AXIS_MAX).toBe(fractalSet.ABSOLUTE_AXIS_MAX);
    expect(main.sendFds).toBe(fdPassing.sendFds);
  });
});

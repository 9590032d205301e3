import {
  decodeInputEvents,
  decodeScmRights,
  decodeUserDev,
  encodeInputEvents,
  encodeScmRights,
  encodeUserDev,
} from './encoding';

describe('encoding', () => {
  it('lays out input_event as 24 bytes: zero timeval, u16 type, u16 code, s32 value', () => {
    const bytes = encodeInputEvents([{ type: 3, code: 1, value: -2 }]);
    expect(bytes.toString('hex')).toBe('00'.repeat(16) + '03000100feffffff');
    expect(decodeInputEvents(bytes)).toEqual([{ type: 3, code: 1, value: -2 }]);
    expect(() => decodeInputEvents(Buffer.alloc(25))).toThrow(RangeError);
  });

  it('lays out uinput_user_dev as 1116 bytes and round-trips it', () => {
    const dev = {
      name: 'pad',
      id: { bustype: 3, vendor: 0x4711, product: 0x817, version: 1 },
      abs: { 0: [1, 9] as const },
    };
    const bytes = encodeUserDev(dev);
    expect(bytes).toHaveLength(1116);
    expect(bytes.subarray(80, 88).toString('hex')).toBe('0300114717080100');
    expect(decodeUserDev(bytes)).toEqual({
      ...dev,
      abs: { 0: [1, 9] },
      ffEffectsMax: 0,
      fuzzAndFlatAllZero: true,
    });
    expect(() => encodeUserDev({ ...dev, name: 'x'.repeat(80) })).toThrow(RangeError);
  });

  it('builds one SCM_RIGHTS cmsg of CMSG_SPACE bytes with cmsg_len = CMSG_LEN', () => {
    const three = encodeScmRights([7, 8, 9]);
    expect(three).toHaveLength(32);
    expect(three.readBigUInt64LE(0)).toBe(28n);
    expect(decodeScmRights(three)).toEqual([7, 8, 9]);
    expect(encodeScmRights([1, 2])).toHaveLength(24);
    expect(decodeScmRights(Buffer.alloc(8))).toBeUndefined();
  });
});

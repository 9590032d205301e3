import { bitString, oid, sequence, time, tlv, unsignedInteger } from './der';

const hex = (b: Buffer): string => b.toString('hex');

describe('der', () => {
  it('encodes object identifiers with base-128 arcs', () => {
    expect(hex(oid('1.2.840.113549'))).toBe('06062a864886f70d');
    expect(hex(oid('2.5.29.17'))).toBe('0603551d11');
  });

  it('uses the long length form past 127 bytes', () => {
    expect(hex(tlv(0x04, Buffer.alloc(3)))).toBe('0403000000');
    expect(hex(tlv(0x04, Buffer.alloc(200))).slice(0, 6)).toBe('0481c8');
    expect(hex(tlv(0x04, Buffer.alloc(300))).slice(0, 8)).toBe('0482012c');
  });

  it('keeps integers positive and minimal', () => {
    expect(hex(unsignedInteger(Buffer.from([0x00, 0x00, 0x05])))).toBe('020105');
    expect(hex(unsignedInteger(Buffer.from([0x80])))).toBe('02020080');
    expect(hex(unsignedInteger(Buffer.from([0x00])))).toBe('020100');
  });

  it('writes UTCTime through 2049 and GeneralizedTime after', () => {
    expect(time(new Date('2049-12-31T23:59:59Z')).toString('latin1')).toBe('\x17\x0d491231235959Z');
    expect(time(new Date('2050-01-01T00:00:00Z')).toString('latin1')).toBe('\x18\x0f20500101000000Z');
  });

  it('nests sequences and bit strings', () => {
    expect(hex(sequence(bitString(Buffer.from([0x80]), 7)))).toBe('3004030207' + '80');
  });
});

import { SOCKADDR_UN_SIZE, encodeUnixAddress } from './address';

describe('encodeUnixAddress', () => {
  it('encodes a path NUL-terminated, the terminator counted in the length', () => {
    const { bytes, length } = encodeUnixAddress('/run/systemd/notify');
    expect(bytes.length).toBe(SOCKADDR_UN_SIZE);
    expect(bytes.readUInt16LE(0)).toBe(1); // AF_UNIX
    expect(length).toBe(2 + '/run/systemd/notify'.length + 1);
    expect(bytes.subarray(2, length).toString('latin1')).toBe('/run/systemd/notify\0');
  });

  it('encodes @name as an abstract address: leading NUL, no terminator, exact length', () => {
    const { bytes, length } = encodeUnixAddress('@sd-notify/42');
    expect(length).toBe(2 + 1 + 'sd-notify/42'.length);
    expect(bytes[2]).toBe(0);
    expect(bytes.subarray(3, length).toString('latin1')).toBe('sd-notify/42');
  });

  it('counts bytes, not characters, for non-ASCII names', () => {
    expect(encodeUnixAddress('/tmp/é').length).toBe(2 + 7 + 1);
  });

  it('accepts the longest names that fit sun_path and refuses one byte more', () => {
    expect(encodeUnixAddress(`/${'a'.repeat(106)}`).length).toBe(110);
    expect(encodeUnixAddress(`@${'a'.repeat(107)}`).length).toBe(110);
    expect(() => encodeUnixAddress(`/${'a'.repeat(107)}`)).toThrow(/path must be 1\.\.107 bytes, got 108/);
    expect(() => encodeUnixAddress(`@${'a'.repeat(108)}`)).toThrow(/abstract name must be/);
  });

  it.each([
    ['relative', 'run/notify', /neither an absolute path nor an abstract/],
    ['empty abstract', '@', /abstract name must be 1\.\.107 bytes, got 0/],
    ['vsock', 'vsock:2:1234', /AF_VSOCK addresses are not supported/],
    ['NUL', '/tmp/a\0b', /NUL byte/],
  ])('refuses a %s address with code BAD_ADDRESS', (_what, address, message) => {
    expect(() => encodeUnixAddress(address)).toThrow(message);
    expect(() => encodeUnixAddress(address)).toThrow(expect.objectContaining({ code: 'BAD_ADDRESS' }));
  });
});

import { SdNotifyError } from './errors';

/** sizeof(struct sockaddr_un) on Linux: sa_family_t (2 bytes) + sun_path[108]. */
export const SOCKADDR_UN_SIZE = 110;
export const AF_UNIX = 1;
const SUN_PATH_OFFSET = 2;
const SUN_PATH_MAX = 108;

export interface EncodedAddress {
  /** A whole `struct sockaddr_un`. */
  readonly bytes: Buffer;
  /** The `addrlen` to pass with it: what the kernel should read of `bytes`. */
  readonly length: number;
}

/**
 * Encodes `$NOTIFY_SOCKET` the way systemd's own sd_notify does: `/path` is a filesystem socket
 * (NUL-terminated, counted in the length), `@name` an abstract-namespace one (leading NUL, no
 * terminator: the length says where the name ends, so it must be exact).
 */
export function encodeUnixAddress(address: string): EncodedAddress {
  if (address.startsWith('vsock:')) {
    throw new SdNotifyError('BAD_ADDRESS', `notify socket ${address}: AF_VSOCK addresses are not supported`);
  }
  if (!address.startsWith('/') && !address.startsWith('@')) {
    throw new SdNotifyError(
      'BAD_ADDRESS',
      `notify socket "${address}" is neither an absolute path nor an abstract "@name"`,
    );
  }
  if (address.includes('\0')) {
    throw new SdNotifyError('BAD_ADDRESS', 'notify socket address contains a NUL byte');
  }
  const abstract = address.startsWith('@');
  const name = Buffer.from(abstract ? address.slice(1) : address, 'utf8');
  // A path needs room for its terminator; an abstract name has a leading NUL instead.
  if (name.length + 1 > SUN_PATH_MAX || (abstract && name.length === 0)) {
    throw new SdNotifyError(
      'BAD_ADDRESS',
      `notify socket ${address}: ${abstract ? 'abstract name' : 'path'} must be 1..${SUN_PATH_MAX - 1} bytes, got ${name.length}`,
    );
  }
  const bytes = Buffer.alloc(SOCKADDR_UN_SIZE);
  bytes.writeUInt16LE(AF_UNIX, 0); // sa_family_t in host order; x86-64 and arm64 are little-endian
  name.copy(bytes, SUN_PATH_OFFSET + (abstract ? 1 : 0));
  return { bytes, length: SUN_PATH_OFFSET + 1 + name.length };
}

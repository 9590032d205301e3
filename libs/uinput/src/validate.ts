import { LAYOUT } from './constants';
import { UinputError } from './errors';

export function assertInt32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
    throw new UinputError('INVALID_ARGUMENT', `${what} must be a 32-bit integer, got ${value}`);
  }
}

export function assertDeviceName(name: string): void {
  const bytes = typeof name === 'string' ? Buffer.byteLength(name, 'utf8') : 0;
  if (bytes === 0 || bytes >= LAYOUT.UINPUT_MAX_NAME_SIZE || name.includes('\0')) {
    throw new UinputError(
      'INVALID_ARGUMENT',
      `uinput device name "${name}" must be 1..${LAYOUT.UINPUT_MAX_NAME_SIZE - 1} UTF-8 bytes without NUL`,
    );
  }
}

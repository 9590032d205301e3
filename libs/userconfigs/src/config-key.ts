import { InvalidConfigKeyError } from './errors';

export interface ConfigKey {
  userId: string;
  appName: string;
}

export const CONFIG_OBJECT_NAME = 'fractal-app-config.tar.lz4.enc';
const MAX_SEGMENT_LENGTH = 128;
// C0 controls, DEL and C1 controls: they break logs, keys and shells.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/** Throws InvalidConfigKeyError unless `value` is safe as one path and one object-key segment. */
export function validateConfigKeySegment(field: 'userId' | 'appName', value: unknown): void {
  const shown = JSON.stringify(value);
  const fail = (why: string): never => {
    throw new InvalidConfigKeyError(
      field,
      `invalid ${field} ${shown}: ${why}; use 1..${MAX_SEGMENT_LENGTH} characters without '/', '\\', '..' or control characters`,
    );
  };
  if (typeof value !== 'string') return fail('not a string');
  if (value.length === 0) fail('empty');
  if (value.length > MAX_SEGMENT_LENGTH) fail(`${value.length} characters long`);
  if (value.includes('/') || value.includes('\\')) fail('contains a path separator');
  if (value.includes('..')) fail("contains '..'");
  if (value === '.') fail("is '.'");
  if (CONTROL_CHARS.test(value)) fail('contains a NUL or control character');
}

/** Throws InvalidConfigKeyError unless both ids are safe as one path and one object-key segment. */
export function validateConfigKey(key: ConfigKey): void {
  validateConfigKeySegment('userId', key?.userId);
  validateConfigKeySegment('appName', key?.appName);
}

/** `<user_id>/<app_name>/fractal-app-config.tar.lz4.enc`, after validation. */
export function configObjectKey(key: ConfigKey): string {
  validateConfigKey(key);
  return `${key.userId}/${key.appName}/${CONFIG_OBJECT_NAME}`;
}

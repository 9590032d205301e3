import { InvalidConfigKeyError } from './errors';

export interface ConfigKey {
  userId: string;
  appName: string;
}

export const CONFIG_OBJECT_NAME = 'fractal-app-config.tar.lz4.enc';
const MAX_SEGMENT_LENGTH = 128;
/** Bad values are echoed in errors only this far, escaped: they come over the network. */
const SHOWN_CHARS = 24;
// Controls (C0, DEL, C1), format characters (bidi overrides and isolates, zero-width joiners and
// spaces, BOM, soft hyphen) and line/paragraph separators: invisible or reordering characters let
// two different-looking ids collide or one id pass for another in logs and paths.
const CONTROL_CHARS = /\p{Cc}/u;
const INVISIBLE_CHARS = /[\p{Cf}\p{Zl}\p{Zp}]/u;
// With the u flag a surrogate pair is one code point, so only unpaired halves match.
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/** A short prefix of an untrusted value, JSON-quoted with every non-printable-ASCII code unit escaped. */
function shown(value: unknown): string {
  if (typeof value !== 'string') return typeof value;
  let out = '';
  for (const unit of value.slice(0, SHOWN_CHARS)) {
    const code = unit.charCodeAt(0);
    out += code >= 0x20 && code < 0x7f && unit !== '"' && unit !== '\\' ? unit : escapeUnits(unit);
  }
  return value.length > SHOWN_CHARS ? `"${out}"... (${value.length} chars)` : `"${out}"`;
}

function escapeUnits(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i += 1) out += `\\u${text.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/** Throws InvalidConfigKeyError unless `value` is safe as one path and one object-key segment. */
export function validateConfigKeySegment(field: 'userId' | 'appName', value: unknown): void {
  const fail = (why: string): never => {
    throw new InvalidConfigKeyError(
      field,
      `invalid ${field} ${shown(value)}: ${why}; use 1..${MAX_SEGMENT_LENGTH} characters of well-formed NFC Unicode without '/', '\\', '..', control or invisible format characters`,
    );
  };
  if (typeof value !== 'string') return fail('not a string');
  if (value.length === 0) fail('empty');
  if (value.length > MAX_SEGMENT_LENGTH) fail(`${value.length} characters long`);
  // Lone surrogates all become U+FFFD in UTF-8, so "\ud800" and "\udbff" would share one path.
  if (LONE_SURROGATE.test(value)) fail('contains a lone surrogate (not well-formed Unicode)');
  if (value.normalize('NFC') !== value) fail('is not in Unicode normalization form NFC');
  if (value.includes('/') || value.includes('\\')) fail('contains a path separator');
  if (value.includes('..')) fail("contains '..'");
  if (value === '.') fail("is '.'");
  if (CONTROL_CHARS.test(value)) fail('contains a NUL or control character');
  if (INVISIBLE_CHARS.test(value)) fail('contains an invisible format character (bidi control, zero-width)');
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

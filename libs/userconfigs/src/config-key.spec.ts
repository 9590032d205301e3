import { configObjectKey, validateConfigKey, validateConfigKeySegment } from './config-key';
import { InvalidConfigKeyError } from './errors';

describe('config keys', () => {
  it('builds the S3 layout key', () => {
    expect(configObjectKey({ userId: 'user@example.com', appName: 'Blender' })).toBe(
      'user@example.com/Blender/fractal-app-config.tar.lz4.enc',
    );
  });

  it.each([
    ['', 'app'],
    ['a/b', 'app'],
    ['a\\b', 'app'],
    ['..', 'app'],
    ['x..y', 'app'],
    ['.', 'app'],
    ['nul\0', 'app'],
    ['tab\t', 'app'],
    ['del\u007f', 'app'],
    ['x'.repeat(129), 'app'],
    ['user', ''],
    ['user', '../etc'],
    ['\ud800', 'app'],
    ['\udbff', 'app'],
    ['a\udc00b', 'app'],
    ['user\u202e', 'app'],
    ['user\u2066x', 'app'],
    ['us\u200ber', 'app'],
    ['\ufeffuser', 'app'],
    ['user\u2028', 'app'],
    ['user\u0085', 'app'],
    ['Cafe\u0301', 'app'],
    ['user', 'App\u200d'],
  ])('rejects userId %j appName %j', (userId, appName) => {
    expect(() => validateConfigKey({ userId, appName })).toThrow(InvalidConfigKeyError);
  });

  it('accepts 128 characters and non-ASCII ids', () => {
    expect(() => validateConfigKey({ userId: 'x'.repeat(128), appName: 'Über App' })).not.toThrow();
  });

  it('accepts well-formed NFC ids with astral characters', () => {
    expect(() => validateConfigKey({ userId: 'Caf\u00e9 \u{1f600}', appName: '\u65e5\u672c' })).not.toThrow();
  });

  it('echoes only a short escaped prefix of a bad value', () => {
    const long = `\u202e${'x'.repeat(4999)}`;
    let message = '';
    try {
      validateConfigKeySegment('userId', long);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('"\\u202exxxxxxxxxxxxxxxxxxxxxxx"... (5000 chars)');
    expect(message.length).toBeLessThan(300);
    expect(message).not.toContain('\u202e');
    expect(() => validateConfigKeySegment('userId', '\ud800')).toThrow(
      /"\\ud800": contains a lone surrogate/,
    );
  });

  it('says which field is wrong', () => {
    try {
      configObjectKey({ userId: 'ok', appName: 'a/b' });
      throw new Error('not thrown');
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidConfigKeyError);
      expect((err as InvalidConfigKeyError).field).toBe('appName');
      expect((err as InvalidConfigKeyError).code).toBe('INVALID_KEY');
    }
  });

  it('validates one segment on its own, naming the field', () => {
    expect(() => validateConfigKeySegment('appName', '../etc')).toThrow(/invalid appName/);
    expect(() => validateConfigKeySegment('userId', 'u\u0000')).toThrow(/invalid userId/);
    expect(() => validateConfigKeySegment('userId', 'user-1')).not.toThrow();
  });
});

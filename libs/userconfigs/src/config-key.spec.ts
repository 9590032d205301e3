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
  ])('rejects userId %j appName %j', (userId, appName) => {
    expect(() => validateConfigKey({ userId, appName })).toThrow(InvalidConfigKeyError);
  });

  it('accepts 128 characters and non-ASCII ids', () => {
    expect(() => validateConfigKey({ userId: 'x'.repeat(128), appName: 'Über App' })).not.toThrow();
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

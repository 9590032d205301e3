import { EcsConfigError } from './errors';
import { parseEcsConfig } from './ecs-config';

describe('parseEcsConfig', () => {
  it('reads KEY=VALUE lines, splitting at the first = and skipping blanks and comments', () => {
    const text = [
      '# written by the AMI',
      'ECS_CLUSTER=fractal-prod',
      '',
      '   ',
      '  # indented comment',
      'ECS_ENGINE_AUTH_DATA={"a":"b=c"}',
      'ECS_EMPTY=',
      'ECS_CLUSTER=override\r',
    ].join('\n');
    expect(parseEcsConfig(text)).toEqual({
      ECS_CLUSTER: 'override',
      ECS_ENGINE_AUTH_DATA: '{"a":"b=c"}',
      ECS_EMPTY: '',
    });
  });

  it('returns an empty map for an empty file', () => {
    expect(parseEcsConfig('')).toEqual({});
  });

  it('names the line of a line without =', () => {
    let caught: unknown;
    try {
      parseEcsConfig('A=1\n\nJUST_A_WORD\n');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(EcsConfigError);
    expect(caught).toMatchObject({ code: 'INVALID_CONFIG', line: 3 });
    expect((caught as Error).message).toMatch(/line 3 has no '='/);
  });

  it('rejects keys that are not env names', () => {
    expect(() => parseEcsConfig('A=1\n1BAD=x')).toThrow(/line 2 has an invalid key "1BAD"/);
    expect(() => parseEcsConfig('=x')).toThrow(/line 1 has an invalid key ""/);
    expect(() => parseEcsConfig('BAD-KEY=x')).toThrow(EcsConfigError);
  });
});

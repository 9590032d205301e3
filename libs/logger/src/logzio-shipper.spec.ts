import { toLogzioRecord } from './logzio-shipper';

describe('toLogzioRecord', () => {
  it('renames msg to message and turns the level into its label', () => {
    expect(toLogzioRecord('{"level":40,"time":1,"msg":"hi","app":"x"}\n')).toEqual({
      level: 'warn',
      time: 1,
      message: 'hi',
      app: 'x',
    });
  });

  it('keeps an existing message field and unknown levels', () => {
    expect(toLogzioRecord('{"level":35,"msg":"a","message":"b"}')).toEqual({
      level: 35,
      msg: 'a',
      message: 'b',
    });
  });

  it('wraps a line that is not JSON', () => {
    expect(toLogzioRecord('plain text\n')).toEqual({ message: 'plain text' });
  });
});

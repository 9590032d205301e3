import { PortBindingError } from './port-binding-error';
import { parseProtocol } from './parse-protocol';

describe('parseProtocol', () => {
  it.each(['tcp', 'udp'] as const)('accepts %s', (value) => {
    expect(parseProtocol(value)).toBe(value);
  });

  it.each(['TCP', 'Udp', ' tcp', 'tcp ', 'sctp', '', 'tcp/udp'])(
    'rejects %j with INVALID_PROTOCOL',
    (value) => {
      let caught: unknown;
      try {
        parseProtocol(value);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(PortBindingError);
      expect((caught as PortBindingError).code).toBe('INVALID_PROTOCOL');
      expect((caught as PortBindingError).message).toBe(
        `invalid protocol ${JSON.stringify(value)}: expected "tcp" or "udp" (lowercase)`,
      );
    },
  );

  it('keeps the cause when one is given to the error', () => {
    const cause = new Error('root');
    const err = new PortBindingError('PORT_IN_USE', 'x', { cause, port: 1, protocol: 'tcp', owner: 'o' });
    expect(err.cause).toBe(cause);
    expect([err.name, err.port, err.protocol, err.owner]).toEqual(['PortBindingError', 1, 'tcp', 'o']);
  });
});

import { PortBindingError } from './port-binding-error';
import type { Protocol } from './protocol';

/**
 * Strict on purpose: Docker's "TCP" or " tcp" would silently become a different pool key
 * in a lenient parser, so only the two exact lowercase names are accepted.
 */
export function parseProtocol(value: string): Protocol {
  if (value === 'tcp' || value === 'udp') return value;
  throw new PortBindingError(
    'INVALID_PROTOCOL',
    `invalid protocol ${JSON.stringify(value)}: expected "tcp" or "udp" (lowercase)`,
  );
}

import { cidrsOverlap } from './second-engine';

describe('cidrsOverlap (picking a free subnet for the second engine’s bridge)', () => {
  it.each([
    ['10.200.3.1/24', '10.200.3.0/24', true],
    ['10.200.3.77', '10.200.3.0/24', true],
    ['10.200.4.1/24', '10.200.3.0/24', false],
    ['10.0.0.0/8', '10.254.255.0/24', true],
    ['172.17.0.1/16', '10.200.3.0/24', false],
    ['192.0.2.2/24', '192.0.3.0/24', false],
    ['255.255.255.255', '255.255.255.0/24', true],
    ['0.0.0.0/0', '10.200.3.0/24', true],
  ])('%s and %s: %s', (a, b, expected) => {
    expect(cidrsOverlap(a, b)).toBe(expected);
    expect(cidrsOverlap(b, a)).toBe(expected);
  });
});

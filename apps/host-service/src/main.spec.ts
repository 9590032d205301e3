import { x } from './main';

it('loads', () => {
  expect(x).toBe('ttys');
});

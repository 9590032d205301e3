import { placeholder } from './index';

it('loads', () => {
  expect(placeholder).toBe('logger');
});

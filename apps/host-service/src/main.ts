import { placeholder } from '@fractal/ttys';

export const x: string = placeholder;

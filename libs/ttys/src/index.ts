export const placeholder = 'ttys';

export const placeholder = 'uinput';

export const placeholder = 'portbindings';

export const placeholder = 'userconfigs';

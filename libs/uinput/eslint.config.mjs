import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    // node:test's describe() and it() return promises its runner already awaits.
    files: ['**/kernel-test/**/*.kernel.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
];

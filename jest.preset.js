// Shared Jest settings for every project. Unit specs are `*.spec.ts`; specs that need a real
// Docker engine, S3 server or child processes are `*.int.spec.ts` and run by the `integration`
// target only.
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.base.json');

const integration = process.env.FRACTAL_TEST_KIND === 'integration';

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json', diagnostics: { warnOnly: false } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: `${__dirname}/` }),
  testMatch: integration ? ['<rootDir>/**/*.int.spec.ts'] : ['<rootDir>/**/*.spec.ts'],
  testPathIgnorePatterns: integration ? ['/node_modules/'] : ['/node_modules/', '\\.int\\.spec\\.ts$'],
  testTimeout: integration ? 120_000 : 10_000,
};

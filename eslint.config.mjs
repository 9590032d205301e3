import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const everywhereBanned = ['koffi', 'pino', 'pino-*', '@sentry/*', 'dockerode'];
const bannedExcept = (...allowed) => everywhereBanned.filter((m) => !allowed.includes(m));

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/coverage', '**/tmp', '**/.nx'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:host', onlyDependOnLibsWithTags: ['scope:shared', 'scope:host'] },
            // Each native or heavy dependency stays in the one project it belongs to.
            { sourceTag: 'name:uinput', bannedExternalImports: bannedExcept('koffi') },
            { sourceTag: 'name:sdnotify', bannedExternalImports: bannedExcept('koffi') },
            { sourceTag: 'name:logger', bannedExternalImports: bannedExcept('pino', 'pino-*', '@sentry/*') },
            { sourceTag: 'name:ecsagent-bridge', bannedExternalImports: bannedExcept('dockerode') },
            { sourceTag: 'name:host-service', bannedExternalImports: bannedExcept('dockerode') },
            { sourceTag: 'name:portbindings', bannedExternalImports: everywhereBanned },
            { sourceTag: 'name:ttys', bannedExternalImports: everywhereBanned },
            { sourceTag: 'name:userconfigs', bannedExternalImports: everywhereBanned },
          ],
        },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    // Benchmarks and workspace tools print their figures; specs may too.
    files: ['**/bench/**/*.ts', 'tools/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  prettier,
];

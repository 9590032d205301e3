import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const everywhereBanned = ['koffi', 'pino', 'pino-*', '@sentry/*', 'dockerode'];
const bannedExcept = (...allowed) => everywhereBanned.filter((m) => !allowed.includes(m));

/**
 * Who may import whom. Test-only code (`type:test`, tools/testing) is open to specs, test/ folders,
 * tools/testing itself and benches only, so it can never reach a package's dist or the daemon.
 */
const boundaries = ({ testCode }) => {
  const also = testCode ? ['type:test'] : [];
  return {
    // Test code is never built, so it may use the unbuilt tools/testing project.
    enforceBuildableLibDependency: !testCode,
    allow: [],
    depConstraints: [
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', ...also] },
      { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', ...also] },
      { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:test'] },
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
      // koffi: LZ4 through the system's liblz4 (src/archive/native-lz4.ts).
      { sourceTag: 'name:userconfigs', bannedExternalImports: bannedExcept('koffi') },
    ],
  };
};

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
      '@nx/enforce-module-boundaries': ['error', boundaries({ testCode: false })],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    // (The app's e2e specs live in src/e2e/, which its build leaves out; their support files are
    // in apps/host-service/test/e2e/.)
    files: [
      '**/*.spec.ts',
      '**/test/**/*.ts',
      '**/src/e2e/**/*.ts',
      'tools/testing/**/*.ts',
      '**/bench/**/*.ts',
    ],
    rules: { '@nx/enforce-module-boundaries': ['error', boundaries({ testCode: true })] },
  },
  {
    // The tests that run on a real kernel in the VM of tools/vm are compiled with tsc for plain
    // node, which knows no path mapping: they import tools/testing's files by their path.
    files: ['**/kernel-test/**/*.ts', '**/kernel-e2e/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { ...boundaries({ testCode: true }), allow: ['../../../tools/testing/src/*'] },
      ],
    },
  },
  {
    // Benchmarks and workspace tools print their figures; specs may too.
    files: ['**/bench/**/*.ts', 'tools/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  prettier,
];

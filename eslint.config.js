import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/dist-electron/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // Production code never imports test-only fakes.
    files: ['agent/src/**/*.ts'],
    ignores: ['agent/src/**/testing/**', '**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/testing/**'] }],
    },
  },
  {
    files: ['**/*.test.ts', 'agent/src/testing/**', 'agent/bench/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
);

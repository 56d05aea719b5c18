// ESLint flat config: typescript-eslint's recommended rules over src/ and test/; generated code is
// checked by `make check-proto` instead.
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['src/gen/**', 'dist/**', 'build/**', 'node_modules/**', '*.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [{ name: 'child_process', message: 'the shim spawns through src/linux only' }] }],
    },
  },
  {
    // koffi is imported in two places: libc.ts (libtsrun + libc) and libseccomp.ts (Debian's
    // libseccomp2, loaded lazily so hosts without it only fail for configs that ask for seccomp).
    files: ['src/**/*.ts'],
    ignores: ['src/linux/libc.ts', 'src/linux/libseccomp.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['koffi', { name: 'child_process', message: 'the shim spawns through src/linux only' }] }],
    },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);

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
    // OCI hooks are ordinary host programs (no namespaces, nothing between fork and exec) that need
    // a stdin pipe, captured output and a timeout: exactly libuv's spawn. See src/container/hooks.ts.
    // The criu binary is run the same way (src/checkpoint/criu.ts).
    files: ['src/container/hooks.ts', 'src/checkpoint/criu.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['koffi'] }] },
  },
  {
    // The shim's `start` spawns its long-lived daemon (a detached copy of itself, not a container),
    // and binary:// log drivers are plain programs: neither needs the executor's namespace
    // machinery. Both files document how they avoid stealing exits from the shim's reaper.
    files: ['src/shim/start.ts', 'src/shim/log-driver.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['koffi'] }] },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);

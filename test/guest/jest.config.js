// Tests that run inside the cgroup v2 guest (scripts/cg2rig), or directly on a pure cgroup v2 host.
// test/integration/cgroups/v2.test.ts starts them; they are not part of the host's jest projects.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: '../..', // relative to this file
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/guest/**/*.guest.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json', isolatedModules: true, diagnostics: false }] },
  testTimeout: 120000,
};

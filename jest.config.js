// Native ESM under jest: ts-jest transpiles each file on its own (type checking is
// done once by `tsc` in `npm test`), and the `.js` suffixes of NodeNext imports are
// mapped back to the TypeScript sources.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testTimeout: 60000,
  // The spawned CLI runs dist/: refuse a build older than the sources.
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
};

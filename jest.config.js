// Native ESM under jest: ts-jest transpiles each file on its own (type checking is
// done once by `tsc` in `npm test`), and the `.js` suffixes of NodeNext imports are
// mapped back to the TypeScript sources.
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
};

// Two projects: unit (the pure core and in-process pieces: seconds, `npm run test:unit`)
// and e2e (whole runs: the built CLI and the sandbox). `npm test` runs both, as CI does.
export default {
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/test/e2e/'],
    },
    {
      ...common,
      displayName: 'e2e',
      roots: ['<rootDir>/test/e2e'],
      testMatch: ['**/*.test.ts'],
      // The spawned CLI runs dist/: refuse a build older than the sources.
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
    },
  ],
};

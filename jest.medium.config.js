// The medium tier: storage and read-query tests against a real PostgreSQL (started once by
// the global setup; every test file makes its own database), no Kafka, no HTTP. A change
// to a .sql file or a migration is checked here in seconds, not through a whole e2e run.
const { swcTransform, transformIgnorePatterns, moduleNameMapper } = require('./jest.shared');
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/test/medium'],
  testMatch: ['**/*.medium.ts'],
  transform: swcTransform,
  transformIgnorePatterns,
  moduleNameMapper,
  globalSetup: '<rootDir>/test/support/medium-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  // Three: the tier waits on PostgreSQL too (session 36: 211 s on two, 190 s on three).
  maxWorkers: 3,
};

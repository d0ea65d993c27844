// End-to-end tests under test/: real Kafka and real PostgreSQL, started once by the global
// setup; every test file gets its own database and topic.
const { swcTransform, transformIgnorePatterns, moduleNameMapper } = require('./jest.shared');
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.e2e.ts'],
  transform: swcTransform,
  transformIgnorePatterns,
  moduleNameMapper,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 120000,
  maxWorkers: 2,
};

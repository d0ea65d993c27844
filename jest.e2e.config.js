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
  // Four files at a time on two cores: the e2e files spend much of their time waiting (on
  // Kafka sessions, timeouts, child processes), and with two the cores sat idle 45% of the
  // run. Session 36, this machine, every file green each time: 2 workers 572 s, 3 workers
  // 439 s, 4 workers 389 s (each file slower, every test far within its timeout); with three
  // the fresh-ci took 870 s, too close to CI's 15 minutes.
  maxWorkers: 4,
};

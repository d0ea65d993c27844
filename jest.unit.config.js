// Unit tests: *.spec.ts beside the code; no services.
const { swcTransform, transformIgnorePatterns, moduleNameMapper } = require('./jest.shared');
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/tools', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: swcTransform,
  transformIgnorePatterns,
  moduleNameMapper,
  // Jest's default is one worker less than the cores: one on CI's two, which then also waits
  // alone through the tests that wait on sockets and timers (a trickled header: 10 s each).
  // Three: session 36, this machine, 2,980 tests in 77 s on two, 65 s on three.
  maxWorkers: 3,
};

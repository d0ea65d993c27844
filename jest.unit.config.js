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
};

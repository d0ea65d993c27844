// Shared Jest settings: SWC with decorator metadata (NestJS, TypeORM), and the
// @scantrail/<lib> aliases from tsconfig.json.
const swcTransform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'commonjs' },
    },
  ],
  // any-ascii and github-slugger ship ES modules only: Node (>= 20.19) requires them as they
  // are, Jest's CommonJS runtime needs them compiled, so they are not among the node_modules
  // left untransformed.
  '^.+/node_modules/(any-ascii|github-slugger)/.+\\.js$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};
const transformIgnorePatterns = ['/node_modules/(?!(any-ascii|github-slugger)/)'];
const moduleNameMapper = {
  '^@scantrail/compliance/finding-codes$': '<rootDir>/libs/compliance/src/finding-codes.ts',
  '^@scantrail/contract/testing$': '<rootDir>/libs/contract/src/testing/event-factory.ts',
  '^@scantrail/inspection/testing$': '<rootDir>/libs/inspection/src/testing/dicom-study.factory.ts',
  '^@scantrail/orthanc-local$': '<rootDir>/tools/orthanc/src/index.ts',
  '^@scantrail/reports/testing$': '<rootDir>/libs/reports/src/testing/index.ts',
  '^@scantrail/config/testing$': '<rootDir>/libs/config/src/testing/slow-clients.ts',
  '^@scantrail/local-kafka$': '<rootDir>/tools/kafka/src/index.ts',
  '^@scantrail/local-postgres$': '<rootDir>/tools/postgres/src/index.ts',
  '^@scantrail/(contract|ledger|storage|projection|queries|reports|demo|compliance|access|config|kafka|inspection)$':
    '<rootDir>/libs/$1/src/index.ts',
};
module.exports = { swcTransform, transformIgnorePatterns, moduleNameMapper };

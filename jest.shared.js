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
};
const moduleNameMapper = {
  '^@scantrail/contract/testing$': '<rootDir>/libs/contract/src/testing/event-factory.ts',
  '^@scantrail/inspection/testing$': '<rootDir>/libs/inspection/src/testing/dicom-study.factory.ts',
  '^@scantrail/kafka$': '<rootDir>/tools/kafka/src/index.ts',
  '^@scantrail/orthanc-local$': '<rootDir>/tools/orthanc/src/index.ts',
  '^@scantrail/(contract|ledger|storage|lineage|compliance|access|config|inspection)$':
    '<rootDir>/libs/$1/src/index.ts',
};
module.exports = { swcTransform, moduleNameMapper };

// ESM all the way (kysely 0.29 ships ESM only): SWC strips types, Node's VM modules load the rest.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
  moduleNameMapper: {
    // The SDK is a workspace package; tests run its TypeScript source, consumers get its build.
    '^@conversation-hub/client-sdk$': '<rootDir>/client-sdk/src/index.ts',
    '^@conversation-hub/client-sdk/contract$': '<rootDir>/client-sdk/src/contract/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 30000,
  maxWorkers: 2,
};

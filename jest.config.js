// ESM all the way (kysely 0.29 ships ESM only): SWC strips types, Node's VM modules load the rest.
const shared = {
  rootDir: '.',
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
  testTimeout: 30000,
};

/**
 * Three projects, one run (`jest`; one of them: `jest [paths] --selectProjects <name>`, the paths first,
 * as --selectProjects takes every word after it for a project name and then runs the whole project):
 * - `default`: every test; the integration tests on an embedded hub (one process, in-memory stores, PGlite);
 * - `integration-cluster`: the integration tests again, each on two hub instances in cluster mode
 *   (Redis, BullMQ, the Redis adapter, Postgres) with the clients spread over both (test/helpers/start-hub.ts);
 * - `integration-redis-cluster`: the same on the local three-master Redis Cluster the global set-up starts.
 * The two workers take test files from both projects, so the cluster pass runs alongside the rest.
 */
/** @type {import('jest').Config} */
export default {
  maxWorkers: 2,
  testTimeout: 30000,
  // A local three-master Redis Cluster for the run (test/helpers/redis-cluster-setup.ts).
  globalSetup: '<rootDir>/test/helpers/redis-cluster-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/redis-cluster-teardown.ts',
  projects: [
    { ...shared, displayName: 'default', testMatch: ['<rootDir>/test/**/*.test.ts'] },
    {
      ...shared,
      displayName: 'integration-cluster',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/helpers/cluster-mode-setup.ts'],
    },
    {
      ...shared,
      displayName: 'integration-redis-cluster',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/helpers/cluster-mode-setup.ts', '<rootDir>/test/helpers/redis-cluster-mode-setup.ts'],
    },
  ],
};

// A `setupFiles` entry of the `integration-cluster` jest project: `startTestHub` (test/helpers/test-mode.ts)
// then starts two cluster-mode hubs on Redis and Postgres instead of one embedded hub.
process.env.HUB_TEST_MODE = 'cluster';

export {};

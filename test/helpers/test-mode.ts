import { describe, test } from '@jest/globals';

/**
 * Which parts `startTestHub` runs the integration tests on. The root jest config runs
 * `test/integration/` twice: as `default` (embedded: one hub, in-memory stores, PGlite) and as
 * `integration-cluster` (`HUB_TEST_MODE=cluster`, set by `cluster-mode-setup.ts`: two hubs on one
 * Redis prefix and one Postgres schema, the clients spread over both).
 */
export type TestMode = 'embedded' | 'cluster';

export const testMode: TestMode = process.env.HUB_TEST_MODE === 'cluster' ? 'cluster' : 'embedded';

/**
 * A describe that runs only in embedded mode; in cluster mode its tests are skipped, with the
 * reason in their title so the skip shows in the report. Keep its uses rare and say why in `reason`.
 */
export function embeddedOnly(name: string, reason: string, fn: () => void): void {
  if (testMode === 'embedded') describe(name, fn);
  else describe.skip(`${name} [embedded only: ${reason}]`, fn);
}

/**
 * A test that is known to fail in cluster mode because of a cross-node bug in the hub (named in
 * `bug`): `test.failing` there, so the suite flags it the day the bug is fixed; a plain test in
 * embedded mode.
 */
export function failingInCluster(bug: string): typeof test | typeof test.failing {
  if (testMode === 'embedded') return test;
  return ((name: string, fn: Parameters<typeof test.failing>[1], timeout?: number) =>
    test.failing(`${name} [fails across nodes: ${bug}]`, fn, timeout)) as typeof test.failing;
}

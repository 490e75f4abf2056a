import type { Parts } from './ports.js';
import { describeError, within } from './startup.js';

/** No check takes longer than this: `/readyz` answers even when a service hangs. */
export const CHECK_TIMEOUT_MS = 2_000;

/**
 * Runs every check at once, each bounded by `timeoutMs`: `'ok'`, or the error's message.
 * `/readyz` answers `{ ok, mode, checks }` from this, 503 when any is not `'ok'`.
 */
export async function runChecks(checks: Record<string, () => Promise<unknown>>, timeoutMs = CHECK_TIMEOUT_MS): Promise<Record<string, string>> {
  const names = Object.keys(checks);
  const results = await Promise.all(
    names.map((name) =>
      within(Promise.resolve().then(checks[name]!), timeoutMs, `${name} check`).then(
        () => 'ok',
        (err: unknown) => describeError(err),
      ),
    ),
  );
  return Object.fromEntries(names.map((name, i) => [name, results[i]!]));
}

/** The parts' checks, per dependency; parts that name none are one check, `parts`. */
export function checksOf(parts: Parts): Promise<Record<string, string>> {
  return parts.checks ? parts.checks() : runChecks({ parts: () => parts.ready() });
}

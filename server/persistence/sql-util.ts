import { HubError } from '../domain/errors.js';

/** Date from either driver (both give Date for timestamptz) as the contract's ISO string. */
export function iso(d: Date | string): string {
  return d instanceof Date ? d.toISOString() : new Date(d).toISOString();
}

export function isoOrUndefined(d: Date | string | null | undefined): string | undefined {
  return d == null ? undefined : iso(d);
}

/** jsonb parameter: always a string, because pg would send a JS array as a Postgres array. */
export function json(value: unknown): string {
  return JSON.stringify(value);
}

/** `{ [key]: value }` when value is set, `{}` when null/undefined: contract objects omit absent fields. */
export function opt<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return (value == null ? {} : { [key]: value }) as { [P in K]?: V };
}

/** SQLSTATE of a driver error (pg and PGlite both set `code`). */
export function sqlState(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}

export const isUniqueViolation = (err: unknown) => sqlState(err) === '23505';
// 23001 restrict_violation: what Postgres 17 (PGlite) reports for ON DELETE RESTRICT; 15 says 23503.
export const isForeignKeyViolation = (err: unknown) => sqlState(err) === '23503' || sqlState(err) === '23001';

/** Thrown inside a transaction to roll it back on purpose; carries the value to return. */
export class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super('rollback');
  }
}

export function isHubError(err: unknown): err is HubError {
  return err instanceof HubError;
}

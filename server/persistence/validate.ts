import type { z } from 'zod';
import { badRequest } from '../domain/errors.js';

/** Parses input with a contract schema; a bad field is `bad_request` naming the field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue?.path.join('.') ?? '';
  throw badRequest(field ? `${field}: ${issue?.message}` : (issue?.message ?? 'invalid input'), {
    issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  });
}

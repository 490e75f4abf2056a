import type { z } from 'zod';
import { ErrorCode, type HubErrorBody } from '@conversation-hub/client-sdk/contract';

/** An error the caller gets back as `{ ok: false, error }` (or its HTTP status); anything else is `internal`. */
export class HubError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HubError';
  }

  toBody(): HubErrorBody {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }
}

/**
 * The customer's channel session closed (inactivity, another tab ended it) while they wrote: the
 * engine reopens it and retries. On the wire it is an ordinary `conflict`.
 */
export class SessionClosedError extends HubError {
  constructor() {
    super(ErrorCode.Conflict, 'channel session is closed', { reason: 'session_closed' });
    this.name = 'SessionClosedError';
  }
}

export const badRequest = (why: string, details?: unknown) => new HubError(ErrorCode.BadRequest, why, details);
/** `bad_request` naming one field: `field: why`. */
export const badField = (field: string, why: string) => new HubError(ErrorCode.BadRequest, `${field}: ${why}`, { field });
export const unauthorized = (why: string) => new HubError(ErrorCode.Unauthorized, why);
export const forbidden = (why: string) => new HubError(ErrorCode.Forbidden, why);
export const notFound = (what: string) => new HubError(ErrorCode.NotFound, `${what} not found`);
export const conflict = (why: string, details?: unknown) => new HubError(ErrorCode.Conflict, why, details);
export const rateLimited = (why: string) => new HubError(ErrorCode.RateLimited, why);
export const tooLarge = (why: string) => new HubError(ErrorCode.TooLarge, why);
export const internal = () => new HubError(ErrorCode.Internal, 'internal error');

/** The one zod-to-error function: `bad_request` naming the first wrong field; an oversized field is `too_large`. */
export function fromZodError(error: z.ZodError): HubError {
  const issue = error.issues[0]!;
  const field = issue.path.join('.') || 'payload';
  const code = issue.code === 'too_big' ? ErrorCode.TooLarge : ErrorCode.BadRequest;
  return new HubError(code, `${field}: ${issue.message}`, { field, issues: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
}

/** Parses with a contract schema; a bad value throws `fromZodError`'s answer. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw fromZodError(r.error);
  return r.data;
}

/** What a caller is told about any error: a HubError as it is, anything else as `internal`. */
export function toErrorBody(err: unknown): HubErrorBody {
  return err instanceof HubError ? err.toBody() : internal().toBody();
}

import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { z } from 'zod';
import { ErrorCode, httpStatusOf } from '@conversation-hub/client-sdk/contract';
import { badRequest, HubError, internal, notFound, parseWith, tooLarge } from '../../domain/errors.js';

/** Parses a body, query or params with its contract schema; a bad one is a 400 (or 413) naming the field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  return parseWith(schema, body);
}

/**
 * The one place an HTTP error is written (PROTOCOL.md §3.1, §6): the socket calls' shape,
 * `{ error: { code, message, details? } }`, with the status of its code. Routes throw HubErrors.
 */
export function errorHandler(log: Logger, errors?: Counter<'code'>) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const e = toHubError(err);
    errors?.inc({ code: e.code });
    if (e.code === ErrorCode.Internal) log.error({ err, method: req.method, path: req.path }, 'http request failed');
    res.status(httpStatusOf[e.code]).json({ error: e.toBody() });
  };
}

/** The last route: whatever nothing else answered is a `not_found` through the error handler. */
export function noSuchRoute(_req: Request, _res: Response, next: NextFunction): void {
  next(notFound('route'));
}

/** express.json's errors (they carry `type` and `status`) as the contract's codes; anything else is `internal`. */
function toHubError(err: unknown): HubError {
  if (err instanceof HubError) return err;
  const { status, type } = (err ?? {}) as { status?: number; type?: string };
  if (type === 'entity.too.large') return tooLarge('request body too large');
  if (type === 'entity.parse.failed') return badRequest('malformed JSON body');
  if (typeof status === 'number' && status >= 400 && status < 500) return badRequest(`unreadable request body (${type ?? status})`);
  return internal();
}

import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { ErrorCode, httpStatusOf } from '@conversation-hub/client-sdk/contract';
import { HubError, parseWith } from '../../domain/errors.js';

/** Parses a body with its contract schema; a bad one is a 400 naming the field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  return parseWith(schema, body);
}

/** Every HTTP error has the socket calls' shape: `{ error: { code, message, details? } }`. */
export function errorHandler(log: Logger) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    const e = toHubError(err);
    if (e.code === ErrorCode.Internal) log.error({ err }, 'http request failed');
    res.status(httpStatusOf[e.code]).json({ error: e.toBody() });
  };
}

function toHubError(err: unknown): HubError {
  if (err instanceof HubError) return err;
  const status = (err as { status?: number; type?: string }).status;
  if ((err as { type?: string }).type === 'entity.too.large') return new HubError(ErrorCode.TooLarge, 'request body too large');
  if (status === 400) return new HubError(ErrorCode.BadRequest, 'malformed JSON body');
  return new HubError(ErrorCode.Internal, 'internal error');
}

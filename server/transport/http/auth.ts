import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ErrorCode } from '@conversation-hub/client-sdk/contract';
import { HubError, rateLimited } from '../../domain/errors.js';
import type { Limits } from '../limits.js';

/** `Authorization: Bearer <HUB_ADMIN_KEY>`, compared in constant time. */
export function requireAdmin(adminKey: string) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (!bearerMatches(req, adminKey)) return next(new HubError(ErrorCode.Unauthorized, 'admin key required'));
    next();
  };
}

export function bearer(req: Request): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
}

/** Whether the request's bearer token is `expected`, compared in constant time. */
export function bearerMatches(req: Request, expected: string): boolean {
  const want = Buffer.from(expected);
  const given = Buffer.from(bearer(req) ?? '');
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * Requests per client address (`req.ip`, which believes `X-Forwarded-For` only from the proxies
 * `HUB_TRUST_PROXY` trusts) on one route, through the hub's shared limiters (limits.ts): counted
 * over every node in a cluster.
 */
export function rateLimit(limits: Pick<Limits, 'httpRoute'>, routeKey: string, rate: { perSecond: number; burst: number }) {
  const allow = limits.httpRoute(routeKey, rate);
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    if (!(await allow(req.ip ?? req.socket.remoteAddress ?? 'unknown'))) return next(rateLimited('too many requests; slow down'));
    next();
  };
}

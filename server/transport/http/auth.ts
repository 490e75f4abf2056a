import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ErrorCode } from '@conversation-hub/client-sdk/contract';
import { HubError } from '../../domain/errors.js';

/** `Authorization: Bearer <HUB_ADMIN_KEY>`, compared in constant time. */
export function requireAdmin(adminKey: string) {
  const expected = Buffer.from(adminKey);
  return (req: Request, _res: Response, next: NextFunction): void => {
    const given = Buffer.from(bearer(req) ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return next(new HubError(ErrorCode.Unauthorized, 'admin key required'));
    next();
  };
}

export function bearer(req: Request): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
}

/** Requests per key per second with a burst, for public endpoints (one node's view). */
export function rateLimit(perSecond: number, burst: number) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (req: Request, _res: Response, next: NextFunction): void => {
    const key = req.ip ?? 'unknown';
    const now = Date.now();
    const b = buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    if (buckets.size > 10_000) buckets.clear(); // bounded memory under a spray of addresses
    buckets.set(key, b);
    if (b.tokens < 1) return next(new HubError(ErrorCode.RateLimited, 'too many requests; slow down'));
    b.tokens -= 1;
    next();
  };
}

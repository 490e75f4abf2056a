import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { EdgeConfig } from '../../config.js';
import { forbidden, notFound, unauthorized } from '../../domain/errors.js';
import { bearerMatches } from './auth.js';

/**
 * The hub's HTTP edges (PROTOCOL.md §9): who may call from a browser (the Origin allow-list and
 * CORS), which proxies are believed about the client's address, the security headers, and the
 * metrics token. One `Edges` is built from the config and used by app.ts and the socket server.
 *
 * Origins: a request without `Origin` (a back end, the SDK from Node) is allowed. A browser's
 * `Origin` must be the hub's own origin, `HUB_PUBLIC_URL`'s when set, else the one the request's
 * `Host` names (any scheme), or match `HUB_ALLOWED_ORIGINS`. Unset, that list is
 * `http://localhost:*` and `http://127.0.0.1:*` in embedded mode and empty in a cluster.
 */
export interface Edges {
  /** express's `trust proxy` function, also used for the sockets' client address. */
  readonly trust: (addr: string, hop: number) => boolean;
  /** The client's address: the TCP peer, or what trusted proxies say in `X-Forwarded-For`. */
  clientIp(req: IncomingMessage): string;
  /** The request's `Origin` when it is not allowed; undefined when it is allowed or absent. */
  refusedOrigin(req: IncomingMessage): string | undefined;
  /** Whether a browser on `origin` may read answers (CORS), without a request to compare its host to. */
  corsOrigin(origin: string | undefined): boolean;
  /** `X-Content-Type-Options`, `Referrer-Policy` on every answer, `Cache-Control: no-store` on the API's. */
  headers: RequestHandler;
  /** For routes browsers call from other sites: refuses other origins (403), answers preflights, adds CORS headers. */
  browserRoutes: RequestHandler;
  /** `GET /metrics`'s guard: 404 without `HUB_METRICS_TOKEN`, 401 without the right bearer token. */
  metricsGuard: RequestHandler;
}

type ProxyAddr = ((req: IncomingMessage, trust: (addr: string, hop: number) => boolean) => string) & {
  compile(list: string[]): (addr: string, hop: number) => boolean;
};
// proxy-addr is express's own (it computes req.ip); the same function computes the sockets' address.
const proxyaddr = createRequire(import.meta.url)('proxy-addr') as ProxyAddr;

/** The paths browsers on other origins may call: the webchat session endpoint and `/api/auth/*`. */
export const BROWSER_PATHS = ['/api/webchat', '/api/auth', '/api/attachments'];

const EMBEDDED_ORIGINS = ['http://localhost:*', 'http://127.0.0.1:*'];

export function createEdges(config: EdgeConfig, mode: 'embedded' | 'cluster'): Edges {
  const trust = compileTrust(config.trustProxy);
  const own = config.publicUrl ? new URL(config.publicUrl).origin : undefined;
  const listed = (config.allowedOrigins ?? (mode === 'embedded' ? EMBEDDED_ORIGINS : [])).map(parseOriginPattern);
  const inList = (origin: URL) => listed.some((p) => p(origin));
  const parse = (origin: string): URL | undefined => {
    try {
      const u = new URL(origin);
      return u.origin === origin.toLowerCase().replace(/\/$/, '') ? u : undefined;
    } catch {
      return undefined; // `null` (sandboxed frames, files) and anything that is not an origin
    }
  };
  const allowed = (origin: string, host: string | undefined): boolean => {
    const u = parse(origin);
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) return false;
    if (own ? u.origin === own : host !== undefined && u.host === host.toLowerCase()) return true;
    return inList(u);
  };
  const refusedOrigin = (req: IncomingMessage) => {
    const origin = req.headers.origin;
    return origin === undefined || allowed(origin, req.headers.host) ? undefined : origin;
  };

  return {
    trust,
    clientIp: (req) => proxyaddr(req, trust),
    refusedOrigin,
    corsOrigin: (origin) => origin !== undefined && allowed(origin, undefined),
    headers(req, res, next) {
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      if (req.path.startsWith('/api/') || req.path === '/metrics') res.setHeader('Cache-Control', 'no-store');
      next();
    },
    browserRoutes(req: Request, res: Response, next: NextFunction) {
      res.vary('Origin');
      const origin = req.headers.origin;
      if (origin === undefined) return next();
      if (refusedOrigin(req) !== undefined) return next(forbidden(`origin ${origin} is not allowed to call this hub`));
      res.setHeader('Access-Control-Allow-Origin', origin);
      if (req.method !== 'OPTIONS') return next();
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
    },
    metricsGuard(req, _res, next) {
      if (!config.metricsToken) return next(notFound('route'));
      if (!bearerMatches(req, config.metricsToken)) return next(unauthorized('metrics token required (Authorization: Bearer $HUB_METRICS_TOKEN)'));
      next();
    },
  };
}

/**
 * Refuses WebSocket upgrades to Socket.IO from a disallowed origin with `403 forbidden` before
 * engine.io sees them (its own refusal of an upgrade is a bare 400). Call once Socket.IO is attached.
 */
export function guardUpgrades(http: HttpServer, edges: Edges, path = '/socket.io/'): void {
  const attached = http.listeners('upgrade') as ((req: IncomingMessage, socket: Duplex, head: Buffer) => void)[];
  http.removeAllListeners('upgrade');
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const origin = req.url?.startsWith(path) ? edges.refusedOrigin(req) : undefined;
    if (origin === undefined) {
      for (const listener of attached) listener.call(http, req, socket, head);
      return;
    }
    const body = JSON.stringify({ error: { code: 'forbidden', message: `origin ${origin} is not allowed to call this hub` } });
    socket.on('error', () => {});
    socket.end(
      `HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: application/json\r\nX-Content-Type-Options: nosniff\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
}

/** Same rules as express's `trust proxy` setting: none, a hop count, or addresses/CIDRs/names. */
function compileTrust(value: EdgeConfig['trustProxy']): (addr: string, hop: number) => boolean {
  if (value === false) return () => false;
  if (typeof value === 'number') return (_addr, hop) => hop < value;
  return proxyaddr.compile(value);
}

/** `https://shop.example.com`, `https://*.example.com` (subdomains only), `http://localhost:*` (any port). */
function parseOriginPattern(pattern: string): (origin: URL) => boolean {
  const m = /^(https?):\/\/(\*\.)?([^:/]+|\[[^\]]+\])(?::(\d+|\*))?$/i.exec(pattern.trim());
  if (!m) throw new Error(`not an origin pattern: ${pattern}`);
  const [, scheme, sub, host, port] = m as unknown as [string, string, string | undefined, string, string | undefined];
  const protocol = `${scheme.toLowerCase()}:`;
  const name = host.toLowerCase();
  const defaultPort = protocol === 'https:' ? '443' : '80';
  return (origin) => {
    if (origin.protocol !== protocol) return false;
    const hostname = origin.hostname;
    if (sub ? !hostname.endsWith(`.${name}`) : hostname !== name) return false;
    return port === '*' || (origin.port || defaultPort) === (port ?? defaultPort);
  };
}

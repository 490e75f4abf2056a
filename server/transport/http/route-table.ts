import { Router, type RequestHandler } from 'express';
import type { z } from 'zod';
import type { ErrorCode } from '@conversation-hub/client-sdk/contract';
import type { Tokens } from '../../auth/tokens.js';
import type { UserDirectory } from '../../ports.js';
import type { ConnectorActor } from '../../domain/actor.js';
import { forbidden, unauthorized } from '../../domain/errors.js';
import { memoryHttpLimits, type Limits } from '../limits.js';
import { bearer, rateLimit, requireAdmin } from './auth.js';
import { parseBody } from './errors.js';
import { supervisorAuth } from './staff-auth.js';

/*
 * One table per router: each entry is both an express route and an OpenAPI operation
 * (openapi.ts), so the two cannot drift. Auth, rate limit and parsing of params, query and body
 * with the entry's own zod schemas happen here, in that order; a handler gets parsed input and
 * answers the success body. Every error is thrown (a HubError) and answered by errors.ts.
 */

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/**
 * `none`: public; `admin`: `Authorization: Bearer <HUB_ADMIN_KEY>`; `connector`: a connector token;
 * `users-admin`: the admin key or an `admin` user's access token (PROTOCOL.md §6.5);
 * `supervisor`: those, or a supervisor's token; other roles are `forbidden` (PROTOCOL.md §6.6).
 */
export type Auth = 'none' | 'admin' | 'connector' | 'users-admin' | 'supervisor';

type Schema = z.ZodType | undefined;
type ObjectSchema = z.ZodObject | undefined;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a handler gets. */
export interface RouteInput<D, A extends Auth, P extends ObjectSchema, Q extends ObjectSchema, B extends Schema> {
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  /** The body as sent, once `body` has accepted it (a PATCH stores it without the schema's defaults). */
  rawBody: unknown;
  /** The client's address (`req.ip`). */
  ip: string;
  /** The caller, for `auth: 'connector'`. */
  actor: A extends 'connector' ? ConnectorActor : undefined;
  deps: D;
}

/** The success answer: its status, and its body's schema (none for 204). */
export interface Success<R extends Schema> {
  status: 200 | 201 | 204;
  description: string;
  schema?: R;
  /** Default `application/json`. */
  contentType?: string;
  /** Other media types a client may ask for with `Accept` (a CSV export), each rendered from the answer. */
  renders?: Record<string, { description: string; render: (answer: R extends z.ZodType ? z.input<R> : never) => string }>;
}

interface RouteBase<A extends Auth, P extends ObjectSchema, Q extends ObjectSchema, B extends Schema, R extends Schema> {
  method: Method;
  /** express syntax: `/api/channels/:id`. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  auth: A;
  /**
   * Requests per client address per second, with a burst: the hub's shared limiter (limits.ts,
   * over every node in a cluster; `HUB_PUBLIC_HTTP_RATE` overrides the figures for every route).
   */
  rateLimit?: { perSecond: number; burst: number };
  params?: P;
  query?: Q;
  body?: B;
  ok: Success<R>;
  /** Other answers that are not errors (`/readyz`'s 503). */
  otherAnswers?: Record<number, { description: string; schema: z.ZodType }>;
  /**
   * Errors the handler raises. Those the table implies are added by openapi.ts: `bad_request` and
   * `too_large` with input, `unauthorized` (and `forbidden` for connectors) with auth,
   * `rate_limited` with a rate limit, and `internal` always.
   */
  errors?: readonly ErrorCode[];
}

/** A route served by the router built from its table. */
export interface ServedRoute<D, A extends Auth, P extends ObjectSchema, Q extends ObjectSchema, B extends Schema, R extends Schema>
  extends RouteBase<A, P, Q, B, R> {
  handler: (input: RouteInput<D, A, P, Q, B>) => Promise<R extends z.ZodType ? z.input<R> : void>;
}

/** A route another module serves (app.ts: `/healthz`, `/readyz`, `/metrics`): in the document only. */
export interface DocumentedRoute<A extends Auth, R extends Schema> extends RouteBase<A, undefined, undefined, undefined, R> {
  servedBy: string;
}

/** A table entry with its types erased, as tables hold them. */
export type HttpRoute<D> = (RouteBase<Auth, ObjectSchema, ObjectSchema, Schema, Schema> & { handler: (input: RouteInput<D, Auth, ObjectSchema, ObjectSchema, Schema>) => Promise<unknown> }) | DocumentedRoute<Auth, Schema>;

/** Typed entries for a table of routes needing `D`: the handler's input and answer follow the schemas. */
export function routesFor<D>() {
  return <A extends Auth, P extends ObjectSchema = undefined, Q extends ObjectSchema = undefined, B extends Schema = undefined, R extends Schema = undefined>(
    route: ServedRoute<D, A, P, Q, B, R>,
  ): HttpRoute<D> => route as unknown as HttpRoute<D>;
}

export function documented<A extends Auth, R extends Schema = undefined>(route: DocumentedRoute<A, R>): HttpRoute<never> {
  return route as unknown as HttpRoute<never>;
}

export function isServed<D>(route: HttpRoute<D>): route is Exclude<HttpRoute<D>, DocumentedRoute<Auth, Schema>> {
  return 'handler' in route;
}

/** What the auth kinds need; a table with admin or connector routes needs the matching one. */
export interface AuthDeps {
  adminKey?: string;
  tokens?: Tokens;
  /** For `users-admin`: whether a bearer token is an enabled `admin` user's access token (server/auth/handshake.ts `userAdminCheck`). */
  isUserAdmin?: (token: string) => Promise<boolean>;
  /** For `supervisor`: the user records that tokens' roles are checked against (without them, a token's own role). */
  accounts?: { readonly d: { readonly directory: UserDirectory } };
  /** The hub's limiters (app.ts passes them); without them rate-limited routes count in this router's memory. */
  limits?: Pick<Limits, 'httpRoute'>;
}

/** Adds every served route of `table` to `router`, in table order. */
export function addRoutes<D extends AuthDeps>(router: Router, table: readonly HttpRoute<D>[], deps: D): Router {
  let admin: RequestHandler | undefined;
  let limits = deps.limits;
  for (const route of table) {
    if (!isServed(route)) continue;
    const chain: RequestHandler[] = [];
    if (route.auth === 'admin') chain.push((admin ??= requireAdmin(need(deps.adminKey, 'adminKey', route.path))));
    if (route.auth === 'connector') chain.push(connectorAuth(need(deps.tokens, 'tokens', route.path)));
    if (route.auth === 'users-admin') chain.push(usersAdminAuth(need(deps.adminKey, 'adminKey', route.path), deps.isUserAdmin));
    if (route.auth === 'supervisor') chain.push(supervisorAuth(need(deps.adminKey, 'adminKey', route.path), need(deps.tokens, 'tokens', route.path), deps.accounts?.d.directory));
    if (route.rateLimit) chain.push(rateLimit((limits ??= memoryHttpLimits()), route.operationId, route.rateLimit));
    chain.push(async (req, res) => {
      const params = route.params ? parseBody(route.params, { ...req.params }) : undefined;
      const query = route.query ? parseBody(route.query, { ...req.query }) : undefined;
      const body = route.body ? parseBody(route.body, req.body) : undefined;
      const actor = res.locals.actor as ConnectorActor | undefined;
      const answer = await route.handler({ params, query, body, rawBody: req.body, ip: req.ip ?? '', actor, deps } as RouteInput<D, Auth, ObjectSchema, ObjectSchema, Schema>);
      if (route.ok.status === 204) return void res.status(204).end();
      const renders = route.ok.renders;
      const type = renders ? req.accepts([route.ok.contentType ?? 'application/json', ...Object.keys(renders)]) : false;
      const render = type ? renders?.[type] : undefined;
      if (render && type) return void res.status(route.ok.status).type(type).send(render.render(answer as never));
      res.status(route.ok.status).json(answer);
    });
    router[route.method](route.path, ...chain);
  }
  return router;
}

export function buildRouter<D extends AuthDeps>(table: readonly HttpRoute<D>[], deps: D): Router {
  return addRoutes(Router(), table, deps);
}

/** A connector token: the caller must be a connector; `res.locals.actor` is it. */
function connectorAuth(tokens: Tokens): RequestHandler {
  return async (req, res, next) => {
    const actor = await tokens.verify(bearer(req));
    if (!actor) throw unauthorized('a connector token is required');
    if (actor.role !== 'connector') throw forbidden('only connectors may post inbound messages');
    res.locals.actor = actor;
    next();
  };
}

/** The admin key, or an admin user's access token (without `isUserAdmin`, the admin key only). */
function usersAdminAuth(adminKey: string, isUserAdmin?: (token: string) => Promise<boolean>): RequestHandler {
  const admin = requireAdmin(adminKey);
  return (req, res, next) => {
    const token = bearer(req);
    if (!isUserAdmin || !token || token.split('.').length !== 3) return admin(req, res, next);
    isUserAdmin(token).then((ok) => (ok ? next() : next(unauthorized('the admin key or an admin user’s access token is required'))), next);
  };
}

function need<T>(value: T | undefined, name: string, path: string): T {
  if (value === undefined) throw new Error(`route ${path} needs ${name}`);
  return value;
}

/** `/api/channels/:id` → `/api/channels/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

import { Router } from 'express';
import { servedRouteTable, type HttpDeps } from './openapi.js';
import { addRoutes } from './route-table.js';

export type { HttpDeps } from './openapi.js';

/**
 * One router with every API route (PROTOCOL.md §6): tokens, the HTTP connector endpoint, the admin
 * API and `GET /api/openapi.json`, built from the same tables as the OpenAPI document. app.ts keeps
 * `/healthz`, `/readyz`, `/metrics` and the pages, mounts this, then the 404 and the error handler.
 */
export function httpRoutes(deps: HttpDeps): Router {
  return addRoutes(Router(), servedRouteTable, deps);
}

import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';
import express, { type Router } from 'express';
import { pino } from 'pino';
import { Tokens } from '../../server/auth/tokens.js';
import { errorHandler, noSuchRoute } from '../../server/transport/http/errors.js';
import { openApiDocument, openApiJson, type HttpDeps } from '../../server/transport/http/openapi.js';
import { openApiPath } from '../../server/transport/http/route-table.js';
import { httpRoutes } from '../../server/transport/http/routes.js';

const root = new URL('../../', import.meta.url);
const ADMIN_KEY = 'openapi-test-admin-key';

/**
 * Building the router touches only the auth deps (the admin key, the token verifier); the store,
 * the directories and the engine are reached by handlers, which these tests never get past auth
 * or validation to run.
 */
const deps = { adminKey: ADMIN_KEY, tokens: new Tokens('openapi-test-secret-0123456789') } as HttpDeps;

/** `METHOD /path` of every route on an express 5 router, nested routers included. */
function routesOf(router: Router, prefix = ''): string[] {
  const out: string[] = [];
  for (const layer of router.stack as { route?: { path: string; methods: Record<string, boolean> }; handle: unknown }[]) {
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') out.push(`${method.toUpperCase()} ${prefix}${layer.route.path}`);
    } else if ((layer.handle as { stack?: unknown }).stack) {
      out.push(...routesOf(layer.handle as Router, prefix));
    }
  }
  return out;
}

/** `METHOD /path` of every operation in the document, in express syntax. */
function documentedRoutes(doc: { paths?: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(doc.paths ?? {}).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`),
  );
}

// app.ts's own routes, the attachment router's (multipart in, bytes out: server/attachments/attachment-docs.ts)
// and Meta's webhook (a signature over the raw body: server/whatsapp/whatsapp-docs.ts).
const servedByApp = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'POST /api/attachments',
  'GET /api/attachments/:id',
  'GET /api/channels/:serviceIdentifier/whatsapp/webhook',
  'POST /api/channels/:serviceIdentifier/whatsapp/webhook',
];

type Answer = { content?: Record<string, { schema: unknown }> };
type Doc = Record<string, unknown> & { paths: Record<string, Record<string, { responses: Record<string, Answer> }>> };
/** The document as a plain JSON value, as a client reads it. */
const doc = (): Doc => JSON.parse(JSON.stringify(openApiDocument())) as Doc;

describe('the OpenAPI document', () => {
  test('is a valid OpenAPI 3.1 document whose every $ref resolves', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc());
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  test('has every route of the httpRoutes router, with its method and path, and nothing else but what app.ts serves', () => {
    const served = routesOf(httpRoutes(deps)).sort();
    const documented = documentedRoutes(doc()).sort();
    expect(served.length).toBeGreaterThan(20);
    expect(new Set(served).size).toBe(served.length);
    expect(documented).toEqual([...served, ...servedByApp].sort());
  });

  test('names the routes the brief lists', () => {
    const documented = documentedRoutes(doc());
    for (const r of [
      'POST /api/webchat/sessions',
      'POST /api/tokens',
      'POST /api/connectors/:serviceIdentifier/inbound',
      'GET /api/channel-types',
      'DELETE /api/channel-types/:id',
      'PATCH /api/channels/:id',
      'GET /api/customers',
      'POST /api/customers/:id/merge',
      'GET /api/conversations/:id',
      'GET /api/openapi.json',
      ...servedByApp,
    ])
      expect(documented).toContain(r);
  });

  test('answers every error with the one Error schema', () => {
    let errors = 0;
    for (const ops of Object.values(doc().paths))
      for (const op of Object.values(ops))
        for (const [status, answer] of Object.entries(op.responses)) {
          if (Number(status) < 400 || status === '503') continue;
          errors++;
          expect(answer.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/Error' });
        }
    expect(errors).toBeGreaterThan(50);
  });

  test('client-sdk/openapi.json is the generated document (npx tsx --conditions=conversation-hub-source scripts/openapi.ts)', async () => {
    const committed = await readFile(new URL('client-sdk/openapi.json', root), 'utf8');
    expect(committed).toBe(openApiJson());
  });

  test('openApiPath turns express params into OpenAPI ones', () => {
    expect(openApiPath('/api/connectors/:serviceIdentifier/inbound')).toBe('/api/connectors/{serviceIdentifier}/inbound');
  });
});

describe('the httpRoutes router over HTTP', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const app = express();
    app.use(express.json({ limit: '256kb' }));
    app.use(httpRoutes(deps));
    app.use(noSuchRoute);
    app.use(errorHandler(pino({ level: 'silent' })));
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}${path}`, { headers });
    return { status: res.status, body: (await res.json()) as any };
  };

  test('GET /api/openapi.json serves the document', async () => {
    expect(await get('/api/openapi.json')).toEqual({ status: 200, body: JSON.parse(openApiJson()) });
  });

  test('auth comes first and answers the Error shape', async () => {
    expect(await get('/api/conversations?limit=oops')).toEqual({ status: 401, body: { error: { code: 'unauthorized', message: 'admin key required' } } });
  });

  test('a query is parsed with its schema: 400 naming the field, 413 over a limit', async () => {
    const auth = { authorization: `Bearer ${ADMIN_KEY}` };
    const bad = await get('/api/conversations?state=asleep', auth);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'bad_request', details: { field: 'state' } });
    const big = await get('/api/conversations?limit=501', auth);
    expect(big.status).toBe(413);
    expect(big.body.error).toMatchObject({ code: 'too_large', details: { field: 'limit' } });
  });

  test('the body parser and unknown routes answer the same Error shape', async () => {
    const post = (body: string) =>
      fetch(`${url}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` }, body }).then(
        async (r) => ({ status: r.status, body: (await r.json()) as any }),
      );
    expect(await post('{"sub": ')).toEqual({ status: 400, body: { error: { code: 'bad_request', message: 'malformed JSON body' } } });
    expect(await post(JSON.stringify({ sub: 'x'.repeat(300 * 1024) }))).toEqual({ status: 413, body: { error: { code: 'too_large', message: 'request body too large' } } });
    expect(await post(JSON.stringify({ sub: 'c1', role: 'customer' }))).toEqual({
      status: 400,
      body: { error: { code: 'bad_request', message: 'serviceIdentifier: required for a customer token', details: { field: 'serviceIdentifier' } } },
    });
    expect(await get('/api/nothing-here')).toEqual({ status: 404, body: { error: { code: 'not_found', message: 'route not found' } } });
  });

  test('a connector route wants a connector token, then validates params and body', async () => {
    const post = (path: string, token: string | undefined, body: unknown) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    expect((await post('/api/connectors/wa/inbound', undefined, {})).status).toBe(401);
    const agent = await deps.tokens.sign({ id: 'a1', role: 'agent' });
    expect((await post('/api/connectors/wa/inbound', agent, {})).body.error.code).toBe('forbidden');
    const connector = await deps.tokens.sign({ id: 'c1', role: 'connector', channels: ['wa'] });
    const longName = await post(`/api/connectors/${'w'.repeat(200)}/inbound`, connector, {});
    expect(longName).toMatchObject({ status: 413, body: { error: { code: 'too_large', details: { field: 'serviceIdentifier' } } } });
    const noCustomer = await post('/api/connectors/wa/inbound', connector, { message: { text: 'hi', clientMessageId: 'm1' } });
    expect(noCustomer).toMatchObject({ status: 400, body: { error: { code: 'bad_request', details: { field: 'customer' } } } });
  });
});

test('no route writes error JSON by hand: only the error handler in errors.ts does', async () => {
  const dir = new URL('server/transport/http/', root);
  const offenders: string[] = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.ts') || name === 'errors.ts') continue;
    const text = await readFile(new URL(name, dir), 'utf8');
    if (/\.json\(\s*\{\s*(ok:\s*false,\s*)?error\b/.test(text)) offenders.push(name);
  }
  expect(offenders).toEqual([]);
});

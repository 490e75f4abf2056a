/**
 * `GET /api/reports/agent-tasks` and `GET /api/reports/service-level` (PROTOCOL.md §6.6) over
 * HTTP, on a Postgres schema holding a hand-made day: JSON, CSV, validation, and who may read.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import express from 'express';
import { pino } from 'pino';
import type { User } from '@conversation-hub/client-sdk/contract';
import { Tokens } from '../../server/auth/tokens.js';
import type { HubDatabase } from '../../server/persistence/create-database.js';
import { writeReportEvents } from '../../server/reporting/report-writer.js';
import { errorHandler, noSuchRoute } from '../../server/transport/http/errors.js';
import { reportRouteTable, type ReportRouteDeps } from '../../server/transport/http/report-routes.js';
import { buildRouter, type AuthDeps } from '../../server/transport/http/route-table.js';
import { migratedDatabase, postgresDatabase } from '../helpers/database.js';
import { at, DAY, handMadeDay, taskLife } from './fixtures.js';

const ADMIN_KEY = 'reports-test-admin-key';
const tokens = new Tokens('reports-test-secret-0123456789abcdef');
const users = new Map<string, Pick<User, 'id' | 'role' | 'disabled'>>([
  ['sup-user', { id: 'sup-user', role: 'supervisor', disabled: false }],
  ['sup-gone', { id: 'sup-gone', role: 'supervisor', disabled: true }],
  ['admin-user', { id: 'admin-user', role: 'admin', disabled: false }],
  ['demoted', { id: 'demoted', role: 'agent', disabled: false }],
]);

let handle: HubDatabase;
let server: Server;
let url: string;
beforeAll(async () => {
  handle = await migratedDatabase(postgresDatabase);
  await writeReportEvents(handle.db, [
    ...handMadeDay(),
    // Cells a spreadsheet would run as formulas, and cells that need quoting.
    ...taskLife({ id: 'x1', channelId: '-2+3', listId: '=HYPERLINK("http://evil")', createdAt: at('11:30:00') }),
    ...taskLife({ id: 'x2', channelId: '@SUM(A1)', listId: 'a,b "c"\r\nd', createdAt: at('11:31:00') }),
  ]);
  const deps: ReportRouteDeps & AuthDeps = {
    admin: { db: handle.db, channelsChanged: () => {} },
    adminKey: ADMIN_KEY,
    tokens,
    accounts: { d: { directory: { get: async (id: string) => (users.get(id) as User | undefined) ?? null } } },
  };
  const app = express();
  app.use(buildRouter(reportRouteTable, deps));
  app.use(noSuchRoute);
  app.use(errorHandler(pino({ level: 'silent' })));
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await handle?.close();
});

/** `token` '' sends none. */
const get = async (path: string, token = ADMIN_KEY, accept?: string) => {
  const res = await fetch(`${url}${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(accept ? { accept } : {}) } });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', text, body: res.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(text) as any) : undefined };
};
const q = (range: Record<string, string>) => `?${new URLSearchParams(range).toString()}`;
const morning = { from: DAY.from, to: at('11:00:00') };

describe('GET /api/reports/agent-tasks', () => {
  test('JSON: the tasks of the range with durations and offers', async () => {
    const res = await get(`/api/reports/agent-tasks${q(morning)}`);
    expect(res.status).toBe(200);
    expect(res.body.tasks.map((t: { id: string }) => t.id)).toEqual(['t1', 't2', 't3', 't4']);
    expect(res.body.tasks[0]).toEqual({
      id: 't1', conversationId: 'c-t1', reason: 'new', channelId: 'web', listId: 'sales', agentId: 'a1', state: 'closed',
      createdAt: at('09:00:00'), offeredAt: at('09:00:02'), acceptedAt: at('09:00:10'), closedAt: at('09:05:10'),
      waitSeconds: 10, handleSeconds: 300,
      offers: [{ agentId: 'a1', offeredAt: at('09:00:02'), outcome: 'accepted', endedAt: at('09:00:10'), answerSeconds: 8 }],
    });
  });

  test('CSV with Accept: text/csv: RFC 4180 quoting, formulas defused', async () => {
    const res = await get(`/api/reports/agent-tasks${q(morning)}`, ADMIN_KEY, 'text/csv');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/csv/);
    const lines = res.text.split('\r\n');
    expect(lines[0]).toBe('id,conversationId,reason,channelId,listId,agentId,state,createdAt,offeredAt,acceptedAt,closedAt,waitSeconds,handleSeconds,offerCount,offers');
    expect(lines[2]).toBe(`t2,c-t2,transfer,web,sales,a2,closed,${at('09:10:00')},${at('09:10:06')},${at('09:10:30')},${at('09:20:30')},30,600,2,a1 rejected 4; a2 accepted 24`);
    expect(lines[4]).toBe(`t4,c-t4,,web,,,queued,${at('10:00:00')},,,,,,0,`);
    expect(lines.at(-1)).toBe('');

    const tricky = await get(`/api/reports/agent-tasks${q({ from: at('11:30:00'), to: at('11:32:00') })}`, ADMIN_KEY, 'text/csv');
    const rows = tricky.text.split('\r\n');
    expect(rows[1]).toBe(`x1,c-x1,,'-2+3,"'=HYPERLINK(""http://evil"")",,queued,${at('11:30:00')},,,,,,0,`);
    expect(tricky.text).toContain(`x2,c-x2,,'@SUM(A1),"a,b ""c""\r\nd",,queued,`);
  });

  test('a bad range is a 400 naming the field', async () => {
    const missing = await get(`/api/reports/agent-tasks${q({ to: DAY.to })}`);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'bad_request', details: { field: 'from' } });
    const reversed = await get(`/api/reports/agent-tasks${q({ from: DAY.to, to: DAY.from })}`);
    expect(reversed.body.error).toMatchObject({ code: 'bad_request', message: expect.stringContaining('from must not be after to'), details: { field: 'from' } });
    expect((await get(`/api/reports/agent-tasks${q({ from: 'yesterday', to: DAY.to })}`)).body.error.details.field).toBe('from');
  });
});

describe('GET /api/reports/service-level', () => {
  test('rows per channel and list; thresholdSeconds defaults to 20', async () => {
    const res = await get(`/api/reports/service-level${q({ from: DAY.from, to: at('12:00:00') })}`);
    expect(res.status).toBe(200);
    expect(res.body.rows).toEqual([
      { channelId: null, listId: 'support', offered: 1, answeredWithin: 1, abandoned: 0, averageWaitSeconds: 5, averageHandleSeconds: null },
      { channelId: '-2+3', listId: '=HYPERLINK("http://evil")', offered: 1, answeredWithin: 0, abandoned: 0, averageWaitSeconds: null, averageHandleSeconds: null },
      { channelId: '@SUM(A1)', listId: 'a,b "c"\r\nd', offered: 1, answeredWithin: 0, abandoned: 0, averageWaitSeconds: null, averageHandleSeconds: null },
      { channelId: 'web', listId: null, offered: 1, answeredWithin: 0, abandoned: 0, averageWaitSeconds: null, averageHandleSeconds: null },
      { channelId: 'web', listId: 'sales', offered: 3, answeredWithin: 1, abandoned: 1, averageWaitSeconds: 20, averageHandleSeconds: 450 },
    ]);
    const wide = await get(`/api/reports/service-level${q({ ...morning, thresholdSeconds: '30' })}`);
    expect(wide.body.rows.find((r: { listId: string }) => r.listId === 'sales')).toMatchObject({ answeredWithin: 2 });
  });

  test('a bad threshold is a 400 naming it (413 over its limit)', async () => {
    for (const [t, status, code] of [['0', 400, 'bad_request'], ['soon', 400, 'bad_request'], ['86401', 413, 'too_large']] as const) {
      const res = await get(`/api/reports/service-level${q({ ...morning, thresholdSeconds: t })}`);
      expect(res.status).toBe(status);
      expect(res.body.error).toMatchObject({ code, details: { field: 'thresholdSeconds' } });
    }
  });
});

describe('who may read reports', () => {
  const path = `/api/reports/service-level${q(morning)}`;
  test('admins and supervisors', async () => {
    expect((await get(path, ADMIN_KEY)).status).toBe(200);
    expect((await get(path, await tokens.signUser({ id: 'admin-user', role: 'admin', name: 'Ada' }, 600))).status).toBe(200);
    expect((await get(path, await tokens.signUser({ id: 'sup-user', role: 'supervisor', name: 'Sue' }, 600))).status).toBe(200);
    // A back end's supervisor token (no user record), as at the socket handshake.
    expect((await get(path, await tokens.sign({ id: 'floor-1', role: 'supervisor' }))).status).toBe(200);
  });

  test('an agent is forbidden; no token, a bad one, a disabled user or an admin token without its user are unauthorized', async () => {
    const agent = await get(path, await tokens.sign({ id: 'a1', role: 'agent' }));
    expect(agent).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    // The user record has the last word: demoted to agent since the token was made.
    expect((await get(path, await tokens.signUser({ id: 'demoted', role: 'supervisor', name: 'Dee' }, 600))).status).toBe(403);
    expect((await get(path, '')).body.error.code).toBe('unauthorized');
    expect((await get(path, 'not-a-token')).status).toBe(401);
    expect((await get(path, await tokens.signUser({ id: 'sup-gone', role: 'supervisor', name: 'Gone' }, 600))).status).toBe(401);
    expect((await get(path, await tokens.signUser({ id: 'nobody', role: 'admin', name: 'Nobody' }, 600))).status).toBe(401);
    expect((await get(path, await new Tokens('another-hub-secret-0123456789abcdef').sign({ id: 's', role: 'supervisor' }))).status).toBe(401);
  });
});

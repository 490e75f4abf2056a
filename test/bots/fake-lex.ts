import { createServer, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';

/*
 * A local Amazon Lex V2 runtime for RecognizeText: `POST /bots/{botId}/botAliases/{botAliasId}/
 * botLocales/{localeId}/sessions/{sessionId}/text` with a JSON `{ text, sessionState?, requestAttributes? }`,
 * SigV4-signed. It speaks HTTP/2 (cleartext, prior knowledge), as the AWS SDK's default Lex V2 runtime
 * handler (NodeHttp2Handler) does; node:http2's compatibility API is node:http's request/response.
 * Errors are answered as Lex's REST-JSON errors (`x-amzn-errortype` and `{ message }`).
 */

export interface LexRequest {
  botId: string;
  botAliasId: string;
  localeId: string;
  sessionId: string;
  body: { text: string; sessionState?: { sessionAttributes?: Record<string, string> } & Record<string, unknown> };
  authorization: string;
}

/** A RecognizeText answer as the service sends it (JSON), or no answer at all. */
export type LexScript = { json: Record<string, unknown> } | { status: number; errorType: string; message: string } | 'hang';

export interface FakeLex {
  endpoint: string;
  requests: LexRequest[];
  /** Problems the server saw in requests (a test expects none). */
  refused: string[];
  answer(script: LexScript): void;
  /** Resolves once a request has been abandoned by the client (event-driven: no polling). */
  abandonedOnce(): Promise<void>;
  /** HTTP/2 sessions the clients hold open now. */
  openSessions(): number;
  /** Resolves when no client session is open (event-driven). */
  allSessionsClosed(): Promise<void>;
  close(): Promise<void>;
}

const PATH = /^\/bots\/([^/]+)\/botAliases\/([^/]+)\/botLocales\/([^/]+)\/sessions\/([^/]+)\/text$/;

async function readBody(req: Http2ServerRequest): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: Http2ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': 'fake-request-id', ...headers });
  res.end(text);
}

export async function startFakeLex(): Promise<FakeLex> {
  const scripts: LexScript[] = [];
  const sessions = new Set<ServerHttp2Session>();
  const waiters: (() => void)[] = [];
  let abandoned = 0;
  const fake = {
    requests: [] as LexRequest[],
    refused: [] as string[],
    answer: (s: LexScript) => void scripts.push(s),
    abandonedOnce: () => (abandoned > 0 ? Promise.resolve() : new Promise<void>((r) => void waiters.push(r))),
  };
  const refuse = (res: Http2ServerResponse, status: number, type: string, why: string) => {
    fake.refused.push(why);
    sendJson(res, status, { message: why }, { 'x-amzn-errortype': type });
  };

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const m = PATH.exec(req.url.split('?')[0]!);
      if (!m) return refuse(res, 404, 'ResourceNotFoundException', `path ${req.url}`);
      if (req.method !== 'POST') return refuse(res, 405, 'ValidationException', `method ${req.method}`);
      const auth = req.headers.authorization;
      if (typeof auth !== 'string' || !auth.startsWith('AWS4-HMAC-SHA256 ')) return refuse(res, 403, 'AccessDeniedException', 'not SigV4-signed');
      if (!/Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/lex\/aws4_request/.test(auth)) return refuse(res, 403, 'AccessDeniedException', `SigV4 scope is not lex: ${auth}`);
      if (typeof req.headers['x-amz-date'] !== 'string') return refuse(res, 403, 'AccessDeniedException', 'no x-amz-date');
      let body: LexRequest['body'];
      try {
        body = JSON.parse(raw) as LexRequest['body'];
      } catch {
        return refuse(res, 400, 'ValidationException', 'body is not JSON');
      }
      if (typeof body?.text !== 'string' || body.text.length < 1) return refuse(res, 400, 'ValidationException', 'text is required');
      if (body.sessionState !== undefined && (typeof body.sessionState !== 'object' || body.sessionState === null)) return refuse(res, 400, 'ValidationException', 'sessionState must be an object');
      const [botId, botAliasId, localeId, sessionId] = m.slice(1).map((s) => decodeURIComponent(s!)) as [string, string, string, string];
      fake.requests.push({ botId, botAliasId, localeId, sessionId, body, authorization: auth });

      const script = scripts.shift() ?? { json: { messages: [], sessionState: { dialogAction: { type: 'ElicitIntent' } } } };
      if (script === 'hang') {
        // Deliberately never answers: the client has to give up.
        res.on('close', () => {
          if (res.writableEnded) return;
          abandoned++;
          for (const w of waiters.splice(0)) w();
        });
        return;
      }
      if ('errorType' in script) return sendJson(res, script.status, { message: script.message }, { 'x-amzn-errortype': script.errorType });
      sendJson(res, 200, { sessionId, ...script.json });
    })();
  });
  const whenNone: (() => void)[] = [];
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => {
      sessions.delete(s);
      if (sessions.size === 0) for (const f of whenNone.splice(0)) f();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    endpoint: `http://127.0.0.1:${port}`,
    openSessions: () => sessions.size,
    allSessionsClosed: () => (sessions.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => whenNone.push(resolve))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  });
}

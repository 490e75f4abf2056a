import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * A local Rasa REST channel: `POST /webhooks/rest/webhook` with a JSON `{ sender, message, metadata? }`,
 * answered with what the test scripted. Anything else is answered the way Rasa (Sanic) would: 404
 * for another path, 405 for another method, 400 for a body that is not the documented one.
 */

export interface RasaRequest {
  sender: string;
  message: string;
  metadata?: unknown;
  contentType: string | undefined;
}

/** What the next request gets: a status and a JSON body (or raw text), or no answer at all. */
export type RasaScript = { status?: number; json: unknown } | { status?: number; raw: string } | 'hang';

export interface FakeRasa {
  url: string;
  requests: RasaRequest[];
  /** Problems the server saw in requests (wrong path, method, body); a test expects none. */
  refused: string[];
  /** Requests the client gave up on before the server answered. */
  abandoned: number;
  /** Resolves once a request has been abandoned (event-driven: no polling). */
  abandonedOnce(): Promise<void>;
  /** Queues the answer to the next request (unscripted requests get `[]`). */
  answer(script: RasaScript): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startFakeRasa(): Promise<FakeRasa> {
  const scripts: RasaScript[] = [];
  const waiters: (() => void)[] = [];
  const fake: Omit<FakeRasa, 'url' | 'close'> = {
    requests: [],
    refused: [],
    abandoned: 0,
    abandonedOnce: () => (fake.abandoned > 0 ? Promise.resolve() : new Promise<void>((r) => void waiters.push(r))),
    answer: (s) => void scripts.push(s),
  };
  const refuse = (res: ServerResponse, status: number, why: string) => {
    fake.refused.push(why);
    send(res, status, JSON.stringify({ status: 'failure', reason: why }));
  };

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (req.url !== '/webhooks/rest/webhook') return refuse(res, 404, `path ${req.url}`);
      if (req.method !== 'POST') return refuse(res, 405, `method ${req.method}`);
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        return refuse(res, 400, 'body is not JSON');
      }
      const b = json as Record<string, unknown>;
      if (typeof json !== 'object' || json === null || Array.isArray(json)) return refuse(res, 400, 'body is not an object');
      if (typeof b.sender !== 'string' || typeof b.message !== 'string') return refuse(res, 400, 'sender and message must be strings');
      if (b.metadata !== undefined && (typeof b.metadata !== 'object' || b.metadata === null)) return refuse(res, 400, 'metadata must be an object');
      const extra = Object.keys(b).filter((k) => !['sender', 'message', 'metadata'].includes(k));
      if (extra.length) return refuse(res, 400, `unknown fields ${extra.join(',')}`);
      fake.requests.push({ sender: b.sender, message: b.message, metadata: b.metadata, contentType: req.headers['content-type'] });

      const script = scripts.shift() ?? { json: [] };
      if (script === 'hang') {
        // Deliberately never answers: the client has to give up.
        res.on('close', () => {
          if (res.writableEnded) return;
          fake.abandoned++;
          for (const w of waiters.splice(0)) w();
        });
        return;
      }
      if ('raw' in script) return send(res, script.status ?? 200, script.raw, 'text/plain');
      send(res, script.status ?? 200, JSON.stringify(script.json));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

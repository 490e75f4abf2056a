import { request } from 'node:http';
import { io, type Socket } from 'socket.io-client';

/** An HTTP answer with its headers (lower-case names) and parsed JSON body. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** A plain HTTP request with any headers (Origin, X-Forwarded-For: node:http sends what it is given). */
export function http(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers: { ...headers, ...(data ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(data)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON (metrics, pages): the text as it is
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** A raw Socket.IO connection's outcome: connected, or the handshake's refusal (`message` and `data`). */
export type Opened = { ok: true; socket: Socket } | { ok: false; message: string; data?: any };

/** Opens a raw Socket.IO socket (WebSocket unless `transports` says) and resolves on `connect` or `connect_error`. */
export function open(url: string, token: string, opts: { headers?: Record<string, string>; transports?: ('websocket' | 'polling')[] } = {}): Promise<Opened> {
  const socket = io(url, {
    transports: opts.transports ?? ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: { token },
    ...(opts.headers ? { extraHeaders: opts.headers } : {}),
  });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ ok: true, socket }));
    socket.once('connect_error', (err: Error & { data?: unknown }) => {
      socket.close();
      resolve({ ok: false, message: err.message, data: err.data });
    });
  });
}

import { createServer } from 'node:http';
import { waitFor } from './wait.js';

/** One POST the receiver got: its headers, its raw body (what a signature covers) and the body parsed. */
export interface Received {
  path: string;
  headers: Record<string, string>;
  raw: string;
  json: any;
  /** The status the receiver answered. */
  status: number;
}

/**
 * A local HTTP endpoint for the hub's webhooks, on 127.0.0.1 port 0. It answers 204 unless
 * `answer` scripts the next statuses (a 500 to make the hub retry, a 410 to make it give up).
 */
export async function startReceiver() {
  const got: Received[] = [];
  const listeners = new Set<(r: Received) => void>();
  const scripts = new Map<string, number[]>();
  const held = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const status = scripts.get(req.url ?? '')?.shift() ?? held.get(req.url ?? '') ?? 204;
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      const r: Received = { path: req.url ?? '', headers, raw, json: raw ? JSON.parse(raw) : undefined, status };
      got.push(r);
      res.writeHead(status).end();
      for (const fn of listeners) fn(r);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: (path = '/hook') => `${base}${path}`,
    got,
    /** The next statuses of requests to `path`, in order; then 204 again. */
    answer(path: string, ...statuses: number[]) {
      scripts.set(path, [...(scripts.get(path) ?? []), ...statuses]);
    },
    /** Every request to `path` gets `status` until `release(path)`. */
    hold(path: string, status: number) {
      held.set(path, status);
    },
    release(path: string) {
      held.delete(path);
    },
    /** The first request (past or future) that `match` accepts. */
    next(match: (r: Received) => boolean, ms = 10_000): Promise<Received> {
      const seen = got.find(match);
      if (seen) return Promise.resolve(seen);
      return waitFor<Received>((fn) => (listeners.add(fn), () => listeners.delete(fn)), match, ms, 'webhook');
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

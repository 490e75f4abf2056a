/**
 * A load generator process of the bench (forked by run.ts, driven over IPC). It holds both ends of
 * its conversations (customer socket on node A, agent-side socket on node B), so a message's
 * latency is measured on one clock: from the sender's emit to the other end's `activity` event.
 * Arrivals are open-loop (Poisson): the schedule never waits for answers.
 */
import { performance } from 'node:perf_hooks';
import { SignJWT } from 'jose';
import { io, type Socket } from 'socket.io-client';
import {
  encode,
  newHistogram,
  type ConnectRequest,
  type ConnectResult,
  type GeneratorReply,
  type GeneratorRequest,
  type RunRequest,
  type RunResult,
  type TimersRequest,
  type TimersResult,
} from './common.js';

const TEXT = 'Hello, my card was declined when I tried to pay for order 12345';
const CUSTOMER = 0;
const AGENT = 1;
type Side = typeof CUSTOMER | typeof AGENT;

interface Conv {
  i: number;
  conversationId: string;
  sockets: [Socket, Socket];
  /** Next message number per sending side. */
  next: [number, number];
  /** Highest message number received from each sending side. */
  maxSeen: [number, number];
  /** Message numbers received from each sending side (duplicates show here). */
  got: [Set<number>, Set<number>];
}

const convs: Conv[] = [];
const extraSockets: Socket[] = [];

function socketTo(url: string, auth: Record<string, unknown>): Socket {
  // forceNew: one WebSocket per socket (socket.io-client would otherwise multiplex one per URL).
  return io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 60_000, auth });
}

function waitFor<T>(s: Socket, event: string, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${event}: nothing in ${ms} ms`));
    }, ms);
    const ok = (v: T) => {
      cleanup();
      resolve(v);
    };
    const bad = (err: Error) => {
      cleanup();
      reject(new Error(`connect_error: ${err.message}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      s.off(event, ok);
      s.off('connect_error', bad);
    };
    s.once(event, ok);
    s.once('connect_error', bad);
  });
}

async function sign(secret: string, sub: string, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + 3600)
    .sign(new TextEncoder().encode(secret));
}

/** Runs `fn` over [0, n) with at most `limit` at once. */
async function pool(n: number, limit: number, fn: (k: number) => Promise<void>): Promise<void> {
  let k = 0;
  const worker = async () => {
    while (k < n) await fn(k++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

// ---- connect ------------------------------------------------------------------------------

async function connect(req: ConnectRequest): Promise<ConnectResult> {
  const started = performance.now();
  let failed = 0;
  let firstError: string | undefined;
  await pool(req.count, req.concurrency, async (k) => {
    const i = req.from + k;
    try {
      convs.push(req.target === 'hub' ? await connectHub(req, i) : await connectRelay(req, i));
    } catch (err) {
      failed++;
      firstError ??= (err as Error).message;
    }
  });
  convs.sort((a, b) => a.i - b.i);
  return { connected: req.count - failed, failed, ...(firstError ? { firstError } : {}), ms: Math.round(performance.now() - started) };
}

async function connectHub(req: ConnectRequest, i: number): Promise<Conv> {
  const secret = req.jwtSecret!;
  const customer = socketTo(req.urlA, {
    token: await sign(secret, `bench-${req.runId}-c${i}`, { role: 'customer', serviceIdentifier: 'webchat', name: `Customer ${i}` }),
  });
  const view = await waitFor<{ id: string }>(customer, 'conversation', 60_000);
  // A supervisor per conversation, joined to it (supervisors may send: barge-in); see run.ts.
  const agent = socketTo(req.urlB, { token: await sign(secret, `bench-${req.runId}-s${i}`, { role: 'supervisor', name: `Agent ${i}` }) });
  await waitFor(agent, 'connect', 60_000);
  const res = (await agent.timeout(60_000).emitWithAck('conversation.join', { conversationId: view.id })) as { ok: boolean; error?: { message: string } };
  if (!res.ok) throw new Error(`conversation.join: ${res.error?.message}`);
  return track({ i, conversationId: view.id, sockets: [customer, agent], next: [0, 0], maxSeen: [-1, -1], got: [new Set(), new Set()] });
}

async function connectRelay(req: ConnectRequest, i: number): Promise<Conv> {
  const room = `${req.runId}-${i}`;
  const customer = socketTo(req.urlA, { room, role: 'customer', id: `c${i}` });
  await waitFor(customer, 'connect', 60_000);
  const agent = socketTo(req.urlB, { room, role: 'supervisor', id: `s${i}` });
  await waitFor(agent, 'connect', 60_000);
  return track({ i, conversationId: room, sockets: [customer, agent], next: [0, 0], maxSeen: [-1, -1], got: [new Set(), new Set()] });
}

// ---- messages -----------------------------------------------------------------------------

interface Pending {
  t: number;
  measured: boolean;
}
const pending = new Map<string, Pending>();
let stats = freshStats();

function freshStats() {
  return {
    hist: newHistogram(),
    ackHist: newHistogram(),
    lag: newHistogram(),
    measuredReceived: 0,
    duplicated: 0,
    reordered: 0,
    activityBytes: 0,
  };
}

function track(c: Conv): Conv {
  for (const side of [CUSTOMER, AGENT] as const) {
    c.sockets[side].on('activity', (a: { type?: string; clientMessageId?: string }) => onActivity(c, side, a));
    c.sockets[side].on('disconnect', (reason) => {
      disconnects++;
      lastDisconnect = reason;
    });
  }
  return c;
}
let disconnects = 0;
let lastDisconnect = '';

function onActivity(c: Conv, receiver: Side, a: { type?: string; clientMessageId?: string }): void {
  if (a.type !== 'message' || typeof a.clientMessageId !== 'string') return;
  const now = performance.now();
  const id = a.clientMessageId;
  const dot1 = id.indexOf('.');
  const sender: Side = id.charCodeAt(dot1 + 1) === 99 /* c */ ? CUSTOMER : AGENT;
  if (sender === receiver) return; // the room echoes a message to its sender too
  const n = Number(id.slice(dot1 + 3));
  const got = c.got[sender];
  if (got.has(n)) {
    stats.duplicated++;
    return;
  }
  got.add(n);
  if (n < c.maxSeen[sender]) stats.reordered++;
  else c.maxSeen[sender] = n;
  const p = pending.get(id);
  if (!p) return;
  pending.delete(id);
  if (p.measured) {
    stats.hist.recordValue(Math.max(1, Math.round((now - p.t) * 1000)));
    stats.measuredReceived++;
  }
  if (stats.activityBytes === 0) stats.activityBytes = Buffer.byteLength(JSON.stringify(a));
}

let generation = 0;

async function run(req: RunRequest): Promise<RunResult> {
  const active = convs.slice(0, req.count);
  if (active.length === 0) throw new Error('no conversations connected');
  const gen = ++generation;
  stats = freshStats();
  const ackErrors: Record<string, number> = {};
  let outstandingAcks = 0;
  let sent = 0;
  let measuredSent = 0;
  const perMs = (active.length * 2 * req.perSideRate) / 1000;
  const gap = () => -Math.log(1 - Math.random()) / perMs;

  const start = performance.now();
  const warmEnd = start + req.warmupMs;
  const end = warmEnd + req.measureMs;
  let cpuAtWarmEnd: NodeJS.CpuUsage | undefined;
  let cpuAtEnd: NodeJS.CpuUsage | undefined;
  let windowStart = warmEnd;
  let windowEnd = end;
  let next = start + gap();

  const send = (scheduled: number) => {
    const c = active[Math.floor(Math.random() * active.length)]!;
    const side: Side = Math.random() < 0.5 ? CUSTOMER : AGENT;
    const n = c.next[side]++;
    const clientMessageId = `b${c.i}.${side === CUSTOMER ? 'c' : 'a'}.${n}`;
    const measured = scheduled >= warmEnd;
    const t = performance.now();
    if (measured) stats.lag.recordValue(Math.max(1, Math.round((t - scheduled) * 1000)));
    pending.set(clientMessageId, { t, measured });
    sent++;
    if (measured) measuredSent++;
    outstandingAcks++;
    const payload = side === CUSTOMER ? { text: TEXT, clientMessageId } : { conversationId: c.conversationId, text: TEXT, clientMessageId };
    c.sockets[side].emit('message.send', payload, (res: { ok: boolean; error?: { code: string } }) => {
      if (gen !== generation) return;
      outstandingAcks--;
      if (measured) stats.ackHist.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000)));
      if (!res?.ok) ackErrors[res?.error?.code ?? 'unknown'] = (ackErrors[res?.error?.code ?? 'unknown'] ?? 0) + 1;
    });
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (!cpuAtWarmEnd && now >= warmEnd) {
        cpuAtWarmEnd = process.cpuUsage();
        windowStart = now;
      }
      // Bounded per tick, so a stalled loop catches up in bursts without starving receives forever.
      let burst = 0;
      while (next <= now && next < end && burst < 5_000) {
        send(next);
        next += gap();
        burst++;
      }
      if (next >= end && now >= end) {
        cpuAtEnd = process.cpuUsage();
        windowEnd = now;
        return resolve();
      }
      setTimeout(tick, Math.max(0, Math.min(next, end) - performance.now() - 0.5));
    };
    tick();
  });

  // Drain: wait for the last deliveries and acks, bounded.
  const drainUntil = performance.now() + req.drainMs;
  while ((pending.size > 0 || outstandingAcks > 0) && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 10));
  const lost = pending.size;
  pending.clear();
  if (outstandingAcks > 0) ackErrors.no_ack = outstandingAcks;
  if (disconnects > 0) ackErrors[`disconnected(${lastDisconnect})`] = disconnects;
  generation++; // late acks of this run are ignored

  const cpu = cpuAtEnd && cpuAtWarmEnd ? cpuAtEnd.user - cpuAtWarmEnd.user + cpuAtEnd.system - cpuAtWarmEnd.system : 0;
  const windowMs = windowEnd - windowStart;
  return {
    sent,
    measuredSent,
    measuredReceived: stats.measuredReceived,
    lost,
    duplicated: stats.duplicated,
    reordered: stats.reordered,
    ackErrors,
    histogram: encode(stats.hist),
    ackHistogram: encode(stats.ackHist),
    sendLagP99Ms: stats.lag.totalCount ? stats.lag.getValueAtPercentile(99) / 1000 : 0,
    sendLagMaxMs: stats.lag.totalCount ? stats.lag.maxValue / 1000 : 0,
    generatorCpu: windowMs > 0 ? cpu / 1000 / windowMs : 0,
    activityBytes: stats.activityBytes,
    windowMs: Math.round(windowMs),
  };
}

// ---- inactivity timers --------------------------------------------------------------------

async function timers(req: TimersRequest): Promise<TimersResult> {
  interface Watched {
    deadline: number;
    ids: Set<string>;
  }
  const sessions = new Map<string, Watched>();
  const lateness: number[] = [];
  const observedLateness: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let redelivered = 0;
  let otherReason = 0;
  let firstOpen = Infinity;
  let lastOpen = 0;
  const timeoutMs = req.timeoutSeconds * 1000;

  type ClosedActivity = { id: string; type: string; at: string; payload: { channelSession: { id: string }; reason?: string } };
  const onActivity = (a: ClosedActivity) => {
    if (a.type !== 'session.closed') return;
    const w = sessions.get(a.payload.channelSession.id);
    if (!w) return;
    if (w.ids.has(a.id)) {
      redelivered++;
      return;
    }
    w.ids.add(a.id);
    if (w.ids.size > 1) return;
    if (a.payload.reason !== 'inactivity') otherReason++;
    lateness.push(Date.parse(a.at) - w.deadline);
    observedLateness.push(Date.now() - w.deadline);
  };

  await pool(req.count, req.concurrency, async (k) => {
    const i = req.from + k;
    try {
      const s = socketTo(req.urls[i % req.urls.length]!, {
        token: await sign(req.jwtSecret, `bench-${req.runId}-t${i}`, { role: 'customer', serviceIdentifier: 'webchat' }),
      });
      s.on('activity', onActivity);
      extraSockets.push(s);
      const view = await waitFor<{ channelSessions: Array<{ id: string; state: string; openedAt: string }> }>(s, 'conversation', 60_000);
      const open = view.channelSessions.filter((cs) => cs.state === 'open').at(-1);
      if (!open) throw new Error('no open session in the conversation push');
      const openedAt = Date.parse(open.openedAt);
      firstOpen = Math.min(firstOpen, openedAt);
      lastOpen = Math.max(lastOpen, openedAt);
      if (!sessions.has(open.id)) sessions.set(open.id, { deadline: openedAt + timeoutMs, ids: new Set() });
    } catch (err) {
      failed++;
      firstError ??= (err as Error).message;
    }
  });

  const giveUp = Date.now() + Math.max(0, lastOpen + timeoutMs - Date.now()) + req.graceMs;
  const allClosed = () => [...sessions.values()].every((w) => w.ids.size > 0);
  while (!allClosed() && Date.now() < giveUp) await new Promise((r) => setTimeout(r, 50));
  // A little longer, so that a second firing has a chance to show.
  await new Promise((r) => setTimeout(r, 1_500));
  let missed = 0;
  let firedTwice = 0;
  for (const w of sessions.values()) {
    if (w.ids.size === 0) missed++;
    if (w.ids.size > 1) firedTwice++;
  }
  for (const s of extraSockets.splice(0)) s.disconnect();
  return {
    opened: sessions.size,
    failed,
    ...(firstError ? { firstError } : {}),
    lateness,
    observedLateness,
    missed,
    firedTwice,
    redelivered,
    otherReason,
    openSpreadMs: lastOpen > 0 ? lastOpen - firstOpen : 0,
  };
}

// ---- IPC ----------------------------------------------------------------------------------

function closeAll(): void {
  for (const c of convs.splice(0)) for (const s of c.sockets) s.disconnect();
  for (const s of extraSockets.splice(0)) s.disconnect();
}

process.on('message', (req: GeneratorRequest) => {
  const reply = (r: GeneratorReply) => process.send?.(r);
  const work = async (): Promise<unknown> => {
    switch (req.cmd) {
      case 'connect':
        return connect(req);
      case 'run':
        return run(req);
      case 'timers':
        return timers(req);
      case 'close':
        closeAll();
        setTimeout(() => process.exit(0), 100);
        return {};
    }
  };
  work().then(
    (result) => reply({ id: req.id, ok: true, result }),
    (err: unknown) => reply({ id: req.id, ok: false, error: (err as Error)?.stack ?? String(err) }),
  );
});
// The orchestrator went away: stop at once.
process.on('disconnect', () => {
  closeAll();
  process.exit(0);
});
process.send?.({ id: 0, ok: true, result: 'ready' });

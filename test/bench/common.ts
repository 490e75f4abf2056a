/**
 * Shared by the bench orchestrator (run.ts) and its generator processes (generator.ts): the IPC
 * messages between them and the histogram helpers. Nothing here is server code.
 */
import hdr from 'hdr-histogram-js';

export type Target = 'relay' | 'hub';

/** One conversation's two ends: the customer socket on node A, the agent-side socket on node B. */
export interface ConnectRequest {
  cmd: 'connect';
  target: Target;
  /** Customer sockets go here (node A). */
  urlA: string;
  /** Agent-side sockets go here (node B; the same as A on one node). */
  urlB: string;
  /** Conversation indexes [from, from + count). */
  from: number;
  count: number;
  /** Unique per bench run: customer and supervisor ids, relay rooms. */
  runId: string;
  /** Hub only: HS256 secret the hubs verify tokens with. */
  jwtSecret?: string;
  /** Connections set up at once. */
  concurrency: number;
}

export interface ConnectResult {
  connected: number;
  failed: number;
  firstError?: string;
  ms: number;
}

export interface RunRequest {
  cmd: 'run';
  /** Use the first `count` conversations of this generator. */
  count: number;
  /** Messages per second per side (customer and agent each send this many). */
  perSideRate: number;
  warmupMs: number;
  measureMs: number;
  /** After sending stops: how long to wait for the last deliveries before calling them lost. */
  drainMs: number;
}

export interface RunResult {
  /** Messages sent (both phases), and sent in the measured window. */
  sent: number;
  measuredSent: number;
  /** Delivered to the other side (first copy), measured window only. */
  measuredReceived: number;
  /** Never arrived at the other side (both phases), after the drain. */
  lost: number;
  /** A second copy of a message the other side had already received. */
  duplicated: number;
  /** A message arriving after a later one from the same sender in the same conversation. */
  reordered: number;
  /** `{ ok: false }` answers, by code, plus acks that never came. */
  ackErrors: Record<string, number>;
  /** Latency histogram (µs), compressed base64, measured window only. */
  histogram: string;
  /** Ack round trip histogram (µs), measured window only. */
  ackHistogram: string;
  /** How far behind its open-loop schedule the generator sent (ms): a saturated generator shows here. */
  sendLagP99Ms: number;
  sendLagMaxMs: number;
  /** Generator CPU over the measured window, as a share of one core. */
  generatorCpu: number;
  /** Bytes of one `activity` push as JSON (a sample). */
  activityBytes: number;
  /** Measured window length actually achieved (ms). */
  windowMs: number;
}

export interface TimersRequest {
  cmd: 'timers';
  /** Customer sockets alternate between these nodes. */
  urls: string[];
  from: number;
  count: number;
  runId: string;
  jwtSecret: string;
  timeoutSeconds: number;
  concurrency: number;
  /** Give up waiting for closes this long after the last session opened. */
  graceMs: number;
}

export interface TimersResult {
  opened: number;
  failed: number;
  firstError?: string;
  /** Per session that closed by inactivity: hub `at` of `session.closed` minus (openedAt + timeout), ms. */
  lateness: number[];
  /** Same, but the generator's receive time instead of the hub's `at` (adds delivery). */
  observedLateness: number[];
  /** Sessions with no `session.closed` seen. */
  missed: number;
  /** Sessions with two or more distinct `session.closed` activities. */
  firedTwice: number;
  /** The same `session.closed` activity delivered again (at-least-once on the wire; not a double fire). */
  redelivered: number;
  /** Closed for another reason than inactivity. */
  otherReason: number;
  /** Time from first open to last open (ms). */
  openSpreadMs: number;
}

export type GeneratorCommand = ConnectRequest | RunRequest | TimersRequest | { cmd: 'close' };
export type GeneratorRequest = GeneratorCommand & { id: number };
export type GeneratorReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

// ---- histograms -----------------------------------------------------------------------------

export function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

export function encode(h: hdr.Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function mergeEncoded(list: string[]): hdr.Histogram {
  const total = newHistogram();
  for (const e of list) total.add(hdr.decodeFromCompressedBase64(e, 'packed', false));
  return total;
}

export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** Percentiles in ms from a µs histogram. */
export function percentilesMs(h: hdr.Histogram): Percentiles {
  const ms = (us: number) => Math.round(us) / 1000;
  if (h.totalCount === 0) return { count: 0, p50: 0, p99: 0, p999: 0, max: 0 };
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
  };
}

/** Percentiles of plain numbers (timer lateness, already ms). */
export function percentilesOf(values: number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: 0, p99: 0, p999: 0, max: 0 };
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
  return { count: s.length, p50: at(50), p99: at(99), p999: at(99.9), max: s.at(-1)! };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

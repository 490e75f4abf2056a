import type { LatencyRow } from './report.js';
import type { RungName } from './rungs.js';

/** What the bench's steps answer, for the summary (summary.ts) and bench-results.json. */

export interface RungResult {
  rung: RungName;
  nodes: number;
  skipped?: string;
  connectMs?: number;
  rows: LatencyRow[];
  knee?: { rate: number; firstFailing?: number; reason?: string };
}

export interface IdleResult {
  rung: RungName;
  conversations: number;
  sockets: number;
  connectMs: number;
  failed: number;
  baseline: { rss: number; heapUsed: number };
  warm: { sockets: number; rss: number; heapUsed: number };
  full: { rss: number; heapUsed: number; external: number; fds: number };
  /** (full - warm) / added sockets: what one more socket costs. */
  rssPerSocketKB: number;
  heapPerSocketKB: number;
  /** Full RSS / sockets, baseline included. */
  rssTotalPerSocketKB: number;
  ok: boolean;
}

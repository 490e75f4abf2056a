/** The bench's table (stdout) and its JSON file. */
import { writeFileSync } from 'node:fs';
import type { Percentiles } from './common.js';

export interface LatencyRow {
  scenario: string;
  rung: string;
  conversations: number;
  /** Messages sent per second in the measured window (both sides together). */
  rate: number;
  latency: Percentiles;
  ack: Percentiles;
  lost: number;
  duplicated: number;
  reordered: number;
  errors: Record<string, number>;
  /** CPU of the server processes in the window per message, µs (all nodes together). */
  serverCpuUsPerMsg: number;
  /** Share of one core each server node used in the window. */
  serverCpu: number[];
  /** Redis commands per message (two-node rungs; other Redis users count too). */
  redisCmdsPerMsg?: number;
  redisTopCommands?: Record<string, number>;
  generatorCpu: number[];
  /** Cores Redis used in the window (two-node rungs). */
  redisCpu?: number;
  /** Cores the whole machine was busy in the window, and of those, busy with other work (noise). */
  machineCpu: number;
  otherCpu: number;
  sendLagP99Ms: number;
  activityBytes: number;
  ok: boolean;
}

export function fmt(n: number | undefined, digits = 1): string {
  if (n === undefined || Number.isNaN(n)) return '-';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(digits);
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(headers), `|${widths.map((w, i) => (i < 2 ? `-${'-'.repeat(w)}-` : `-${'-'.repeat(w)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function latencyTable(rows: LatencyRow[]): string {
  return table(
    ['scenario', 'rung', 'convs', 'msg/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'lost', 'dup', 'reord', 'errors', 'srv CPU µs/msg', 'redis cmd/msg', 'other cores'],
    rows.map((r) => [
      r.scenario,
      r.rung,
      String(r.conversations),
      fmt(r.rate, 0),
      fmt(r.latency.p50, 2),
      fmt(r.latency.p99, 2),
      fmt(r.latency.p999, 2),
      fmt(r.latency.max, 1),
      String(r.lost),
      String(r.duplicated),
      String(r.reordered),
      Object.keys(r.errors).length ? Object.entries(r.errors).map(([k, v]) => `${k}:${v}`).join(',') : '0',
      fmt(r.serverCpuUsPerMsg, 0),
      r.redisCmdsPerMsg === undefined ? '-' : fmt(r.redisCmdsPerMsg, 1),
      fmt(r.otherCpu, 2),
    ]),
  );
}

export function writeJson(file: string, data: unknown): void {
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}

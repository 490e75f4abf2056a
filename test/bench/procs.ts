/**
 * The bench's child processes: hub and relay nodes, generator workers. Every child is tracked and
 * killed when the bench ends, fails or is interrupted. Memory and CPU of a child come from
 * /proc/<pid>; its V8 heap (when asked for) through the inspector protocol, so nothing is added to
 * the server.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { GeneratorCommand, GeneratorReply } from './common.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGTERM every child still running, SIGKILL what is left after `graceMs`. */
export async function killAll(graceMs = 3_000): Promise<void> {
  const alive = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  for (const c of alive) c.kill('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && alive.some((c) => c.exitCode === null && c.signalCode === null)) await new Promise((r) => setTimeout(r, 50));
  for (const c of alive) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/** Last resort, synchronous: used from 'exit'. */
export function killAllNow(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

export interface Node {
  name: string;
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Inspector WebSocket URL when started with `inspect`. */
  inspectorUrl?: string;
  stop(): Promise<void>;
}

/**
 * Starts `script` (a hub's server/main.ts or the relay) as its own Node process with tsx as the
 * loader (one process, so its pid is the server's), and waits for its "listening" log line.
 */
export async function startNode(
  name: string,
  script: string,
  env: Record<string, string>,
  opts: { inspect?: boolean; timeoutMs?: number; compiled?: boolean } = {},
): Promise<Node> {
  // `compiled`: `script` is plain JavaScript (the built server, as `npm run start:prod` runs it), no tsx.
  // BENCH_CPU_PROF=<folder>: each server writes a V8 CPU profile there when it stops (open it in Chrome's DevTools).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const args = [...profile, ...(opts.compiled ? [] : ['--conditions=conversation-hub-source', '--import', 'tsx']), ...(opts.inspect ? ['--inspect=127.0.0.1:0'] : []), script];
  const child = track(
    spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', HUB_WEBCHAT_BOT: 'none', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let stderr = '';
  let inspectorUrl: string | undefined;
  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: not listening after ${opts.timeoutMs ?? 60_000} ms\n${stderr.slice(-2_000)}`)), opts.timeoutMs ?? 60_000);
    let buf = '';
    let log = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        log = (log + line + '\n').slice(-4_000);
        try {
          const j = JSON.parse(line) as { msg?: string; port?: number; level?: number };
          // BENCH_HUB_LOG=<file>: the servers' warnings and errors, for looking into a bad run.
          if (process.env.BENCH_HUB_LOG && (j.level ?? 0) >= 40) appendFileSync(process.env.BENCH_HUB_LOG, `${name} ${line}\n`);
          if ((j.msg === 'hub listening' || j.msg === 'relay listening') && j.port) {
            clearTimeout(timer);
            resolve(j.port);
          }
        } catch {
          // not JSON
        }
      }
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-8_000);
      const m = /Debugger listening on (ws:\/\/\S+)/.exec(stderr);
      if (m) inspectorUrl = m[1];
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before listening:\n${(log + stderr).slice(-3_000)}`));
    });
  });
  const port = await ready;
  // Keep reading its output so a chatty node never blocks on a full pipe.
  child.stdout!.resume();
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    child,
    get inspectorUrl() {
      return inspectorUrl;
    },
    stop: () => stopChild(child),
  };
}

export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(t);
}

// ---- generators ---------------------------------------------------------------------------

export interface Generator {
  call<R>(req: GeneratorCommand): Promise<R>;
  pid: number;
  close(): Promise<void>;
}

export async function startGenerator(): Promise<Generator> {
  const child = track(fork(join(ROOT, 'test', 'bench', 'generator.ts'), [], { cwd: ROOT, execArgv: ['--conditions=conversation-hub-source', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`generator exited (${code}) before it was ready`)));
    child.on('message', (m: GeneratorReply) => {
      if (m.id === 0) return resolve();
      const w = waiting.get(m.id);
      if (!w) return;
      waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(`generator: ${m.error}`));
    });
  });
  child.on('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`generator exited (${code})`));
    waiting.clear();
  });
  await ready;
  return {
    pid: child.pid!,
    call<R>(req: GeneratorCommand): Promise<R> {
      const id = nextId++;
      return new Promise<R>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ ...req, id });
      });
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.send({ cmd: 'close', id: nextId++ });
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    },
  };
}

// ---- /proc and the inspector ---------------------------------------------------------------

/** Resident set size of a process, bytes (VmRSS of /proc/<pid>/status). */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Open file descriptors of a process (-1 when it cannot be read). */
export function fdsOf(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}

const CLK_TCK = 100;
/** CPU time the whole machine has been busy (all cores, everything but idle and iowait), ms. */
export function machineBusyMs(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const busy = cpu[0]! + cpu[1]! + cpu[2]! + cpu[5]! + cpu[6]! + cpu[7]!;
  return (busy * 1000) / CLK_TCK;
}

/** CPU time (user + system) a process has used, ms. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/**
 * The V8 heap of a node started with `inspect`, after a full GC: asked through the inspector
 * protocol (HeapProfiler.collectGarbage, then Runtime.evaluate of process.memoryUsage()).
 */
export async function heapOf(inspectorUrl: string): Promise<{ heapUsed: number; heapTotal: number; external: number; arrayBuffers: number; rss: number }> {
  const ws = new WebSocket(inspectorUrl);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let id = 0;
  const call = (method: string, params: unknown = {}) =>
    new Promise<any>((resolve, reject) => {
      const my = ++id;
      const onMsg = (data: WebSocket.RawData) => {
        const m = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: { message: string } };
        if (m.id !== my) return;
        ws.off('message', onMsg);
        if (m.error) reject(new Error(m.error.message));
        else resolve(m.result);
      };
      ws.on('message', onMsg);
      ws.send(JSON.stringify({ id: my, method, params }));
    });
  try {
    await call('HeapProfiler.enable');
    await call('HeapProfiler.collectGarbage');
    const r = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    await call('HeapProfiler.disable');
    return JSON.parse(r.result.value as string);
  } finally {
    ws.close();
  }
}

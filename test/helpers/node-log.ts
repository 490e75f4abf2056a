import type { HubNode } from './cluster.js';

/** A hub process's JSON log line (pino). */
export type LogEntry = Record<string, unknown> & { msg?: string };

/**
 * Resolves with the node's next log line that passes `match` (read from its stdout beside the
 * cluster helper's reader; a plain `data` listener, so the stream is never paused); rejects after `ms`.
 */
export function nextLogLine(node: HubNode, match: (entry: LogEntry) => boolean, ms = 10_000, what = 'log line'): Promise<LogEntry> {
  const stdout = node.child.stdout!;
  return new Promise((resolve, reject) => {
    let rest = '';
    const stop = () => {
      clearTimeout(timer);
      stdout.off('data', onData);
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out after ${ms} ms waiting for ${what} from node ${node.index}`));
    }, ms);
    const onData = (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        let entry: LogEntry;
        try {
          entry = JSON.parse(line) as LogEntry;
        } catch {
          continue;
        }
        if (!match(entry)) continue;
        stop();
        return resolve(entry);
      }
    };
    stdout.on('data', onData);
  });
}

/** Every log line the node writes from now on (its stdout, a plain `data` listener). */
export function logFrom(node: HubNode): LogEntry[] {
  const entries: LogEntry[] = [];
  let rest = '';
  node.child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      try {
        entries.push(JSON.parse(line) as LogEntry);
      } catch {
        // not JSON: not pino's
      }
    }
  });
  return entries;
}

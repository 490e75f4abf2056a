import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** `json`: one object a line (production, collectors). `pretty`: human-readable (development). */
export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  name?: string;
  /** Default `json`. `pretty` needs pino-pretty, a dev dependency: without it, JSON and one warning. */
  format?: LogFormat;
  /** Where the lines go; default stdout. */
  destination?: DestinationStream;
  /** The node in every line; default `hostname:pid`. */
  node?: string;
  /** How pino-pretty is loaded (tests: one that finds none); default `require('pino-pretty')`, undefined when not installed. */
  loadPretty?: () => Pretty | undefined;
}

export type Pretty = (options: { sync: boolean; destination?: DestinationStream; translateTime: string; ignore: string }) => DestinationStream;

const require = createRequire(import.meta.url);

/** pino-pretty, when installed (production images install with --omit=dev). */
function loadPretty(): Pretty | undefined {
  try {
    return require('pino-pretty') as Pretty;
  } catch {
    return undefined;
  }
}

/**
 * The hub's logger: every line carries `node` (this process: `hostname:pid`), so lines from a
 * cluster's nodes can be told apart; lines about a conversation carry `conversationId` and, where
 * known, `participantId`, set at their call sites.
 */
export function createLogger(level: string, opts: LoggerOptions = {}): Logger {
  const options = { name: opts.name ?? 'hub', level, base: { pid: process.pid, node: opts.node ?? `${hostname()}:${process.pid}` } };
  if (opts.format === 'pretty') {
    const pretty = (opts.loadPretty ?? loadPretty)();
    // Synchronous, in this thread: no worker, and nothing lost when the process exits.
    if (pretty) return pino(options, pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', ...(opts.destination ? { destination: opts.destination } : {}) }));
    const log = opts.destination ? pino(options, opts.destination) : pino(options);
    log.warn('LOG_FORMAT=pretty needs pino-pretty (a dev dependency), which is not installed: logging JSON');
    return log;
  }
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

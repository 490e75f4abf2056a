import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ErrorCode } from '@conversation-hub/client-sdk/contract';
import { conflict, forbidden, HubError, notFound, SessionClosedError } from '../domain/errors.js';
import type { HubRedisClient } from './connect.js';

/*
 * The reply convention of every Lua script of the hub (server/store/lua, server/routing/lua), in
 * the style of BullMQ's scripts: a script is named for what it does, its header lists its KEYS,
 * its ARGV and its replies, and every reply is a flat array whose first element says which kind
 * it is:
 *
 *   {"ok", v1, v2, ...}                   done; zero or more values, as the script's header says
 *                                         (a value may itself be an array: a hash as HGETALL
 *                                         returns it, a list of those)
 *   {"err", code, message, detailsJson}   refused, and nothing was written (every script checks
 *                                         all it may refuse before its first write: Lua has no
 *                                         rollback); message and detailsJson may be "" or absent
 *
 * `LuaScript.run` decodes it, here and nowhere else: "ok" answers the values after the tag, "err"
 * throws the hub's error for the code:
 *
 *   not_found       notFound(message): message names what is missing ("task" → "task not found")
 *   conflict        conflict(message, details)
 *   forbidden       forbidden(message)
 *   session_closed  SessionClosedError (the customer's channel session is closed; the engine reopens it)
 *   stale           StaleError: an optimistic check failed (the data changed since the caller read
 *                   it); the caller reads again and retries, and if it ever escapes it is a conflict
 *
 * Anything else (an unknown code, a reply of another shape) is a bug: a plain Error, `internal` to
 * callers. Values come back as RESP2 gives them: numbers as numbers, strings as strings.
 */

/** The `stale` error code: the data a compare-and-set script was given changed since it was read. */
export class StaleError extends HubError {
  constructor(message = 'changed since it was read') {
    super(ErrorCode.Conflict, message, { reason: 'stale' });
    this.name = 'StaleError';
  }
}

const errorOf: Record<string, (message: string, details: unknown) => HubError> = {
  not_found: (message) => notFound(message || 'item'),
  conflict: (message, details) => conflict(message || 'conflict', details),
  forbidden: (message) => forbidden(message || 'forbidden'),
  session_closed: () => new SessionClosedError(),
  stale: (message) => new StaleError(message || undefined),
};

/** A reply of the convention above: its values, or the error it stands for thrown. */
export function decodeReply(script: string, reply: unknown): unknown[] {
  if (Array.isArray(reply) && reply[0] === 'ok') return reply.slice(1);
  if (Array.isArray(reply) && reply[0] === 'err') {
    const [, code, message, details] = reply as [string, unknown, unknown, unknown];
    const make = typeof code === 'string' ? errorOf[code] : undefined;
    if (!make) throw new Error(`lua script ${script} answered an unknown error code: ${String(code)} ${String(message)}`);
    throw make(typeof message === 'string' ? message : '', typeof details === 'string' && details !== '' ? (JSON.parse(details) as unknown) : undefined);
  }
  throw new Error(`lua script ${script} answered outside the reply convention: ${JSON.stringify(reply)}`);
}

/**
 * A Lua script run with EVALSHA, falling back to EVAL (which caches it again) when Redis answers
 * NOSCRIPT: after a restart, a SCRIPT FLUSH or on a fresh replica. One round trip in the common case.
 */
export class LuaScript {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /**
   * Reads `files` next to `base` (pass `import.meta.url`) and joins them into one script: a shared
   * prelude first, then the script's own body. Works under tsx and Jest's ESM mode.
   */
  static fromFiles(name: string, files: readonly string[], base: string | URL): LuaScript {
    return new LuaScript(name, files.map((file) => readFileSync(new URL(file, base), 'utf8')).join('\n'));
  }

  static fromFile(name: string, file: string, base: string | URL): LuaScript {
    return LuaScript.fromFiles(name, [file], base);
  }

  async load(client: HubRedisClient): Promise<void> {
    await client.scriptLoad(this.source);
  }

  /**
   * Runs the script and decodes its reply (see the convention above): the values of an "ok"
   * reply, typed by the caller as the script's header says; an "err" reply is thrown as a HubError.
   */
  async run<T extends unknown[] = unknown[]>(client: HubRedisClient, keys: string[], args: (string | number)[]): Promise<T> {
    return decodeReply(this.name, await this.call(client, keys, args)) as T;
  }

  private async call(client: HubRedisClient, keys: string[], args: (string | number)[]): Promise<unknown> {
    const options = { keys, arguments: args.map(String) };
    try {
      return await client.evalSha(this.sha, options);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.eval(this.source, options);
    }
  }
}

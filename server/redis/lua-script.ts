import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { HubRedisClient } from './connect.js';

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

  /** Reads `file` next to `base` (pass `import.meta.url`); works under tsx and Jest's ESM mode. */
  static fromFile(name: string, file: string, base: string | URL): LuaScript {
    return new LuaScript(name, readFileSync(new URL(file, base), 'utf8'));
  }

  async load(client: HubRedisClient): Promise<void> {
    await client.scriptLoad(this.source);
  }

  async run(client: HubRedisClient, keys: string[], args: (string | number)[]): Promise<unknown> {
    const options = { keys, arguments: args.map(String) };
    try {
      return await client.evalSha(this.sha, options);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.eval(this.source, options);
    }
  }
}

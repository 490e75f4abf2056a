import type { Logger } from 'pino';
import type { HubRedisClient } from '../redis/connect.js';
import { LuaScript } from '../redis/lua-script.js';
import type { ReportEvent } from './report-events.js';
import { newEntry, sizeWarner, type OutboxBatch, type OutboxEntry, type ReportOutbox } from './outbox.js';

const dropHead = LuaScript.fromFile('drop_outbox_head', './lua/drop_outbox_head.lua', import.meta.url);

/**
 * A cluster's outbox: one Redis list, `<prefix>reports:outbox`, shared by every node, on the main
 * connection (command timeout: a push that cannot reach Redis fails rather than waits for ever).
 * Entries are JSON with a unique id; the head is dropped by a script that checks it first.
 */
export class RedisReportOutbox implements ReportOutbox {
  readonly key: string;
  private readonly warn: (size: number) => void;

  constructor(
    private readonly redis: HubRedisClient,
    options: { prefix: string; log?: Logger; warnAbove?: number },
  ) {
    this.key = `${options.prefix}reports:outbox`;
    this.warn = sizeWarner(options.log, options.warnAbove);
  }

  async push(events: readonly ReportEvent[]): Promise<void> {
    if (events.length === 0) return;
    const size = await this.redis.rPush(this.key, events.map((e) => JSON.stringify(newEntry(e))));
    this.warn(Number(size));
  }

  async peek(max: number): Promise<OutboxBatch> {
    if (max < 1) return { events: [], head: null };
    const raw = await this.redis.lRange(this.key, 0, max - 1);
    return { events: raw.map((r) => (JSON.parse(r) as OutboxEntry).e), head: raw[0] ?? null };
  }

  async drop(batch: OutboxBatch): Promise<number> {
    if (batch.head === null || batch.events.length === 0) return 0;
    const [n] = await dropHead.run<[number]>(this.redis, [this.key], [batch.head, batch.events.length]);
    return Number(n);
  }

  async size(): Promise<number> {
    return Number(await this.redis.lLen(this.key));
  }
}

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HubError, SessionClosedError } from '../../server/domain/errors.js';
import type { HubRedisClient } from '../../server/redis/connect.js';
import { LuaScript, StaleError } from '../../server/redis/lua-script.js';
import { closeRedis, connectTestRedis } from '../helpers/redis.js';

/** The reply convention of server/redis/lua-script.ts, decoded from what a real Redis answers. */
describe('LuaScript reply convention', () => {
  let client: HubRedisClient;
  beforeAll(async () => {
    client = await connectTestRedis();
  });
  afterAll(async () => {
    await closeRedis(client);
  });

  // Answers whatever ARGV[1] names; touches no key.
  const echo = new LuaScript(
    'echo_reply',
    `local r = {
      ok_values = {"ok", 7, "x", {"f", "v"}},
      ok_none = {"ok"},
      not_found = {"err", "not_found", "task"},
      conflict = {"err", "conflict", "task was taken", '{"taskId":"t1","state":"accepted"}'},
      conflict_bare = {"err", "conflict", "no details", ""},
      forbidden = {"err", "forbidden", "not yours"},
      session_closed = {"err", "session_closed"},
      stale = {"err", "stale", "changed"},
      unknown = {"err", "weird", "?"},
      shapeless = {1, 2},
    }
    return r[ARGV[1]]`,
  );
  const run = (which: string) => echo.run(client, [], [which]);
  const thrown = async (which: string) => {
    try {
      await run(which);
    } catch (err) {
      return err;
    }
    throw new Error(`${which} did not throw`);
  };

  it('ok: the values after the tag, as RESP2 gives them', async () => {
    expect(await run('ok_values')).toEqual([7, 'x', ['f', 'v']]);
    expect(await run('ok_none')).toEqual([]);
  });

  it("err: the hub's error for the code", async () => {
    expect(await thrown('not_found')).toMatchObject({ code: 'not_found', message: 'task not found' });
    const c = (await thrown('conflict')) as HubError;
    expect(c).toBeInstanceOf(HubError);
    expect(c.toBody()).toEqual({ code: 'conflict', message: 'task was taken', details: { taskId: 't1', state: 'accepted' } });
    expect(((await thrown('conflict_bare')) as HubError).toBody()).toEqual({ code: 'conflict', message: 'no details' });
    expect(await thrown('forbidden')).toMatchObject({ code: 'forbidden', message: 'not yours' });
    expect(await thrown('session_closed')).toBeInstanceOf(SessionClosedError);
    const stale = await thrown('stale');
    expect(stale).toBeInstanceOf(StaleError);
    expect(stale).toMatchObject({ code: 'conflict', message: 'changed' });
  });

  it('anything else is a plain Error, not a HubError', async () => {
    for (const which of ['unknown', 'shapeless']) {
      const err = await thrown(which);
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(HubError);
    }
  });
});

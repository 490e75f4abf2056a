--[[
  release_agent: the agent left the conversation; its load for it is freed (no-op when it had
  none). Idle from now when no load is left.

  KEYS:
    KEYS[1] agent hash {p}agent:{agentId}

  ARGV:
    ARGV[1] prefix {p}
    ARGV[2] agentId
    ARGV[3] conversationId
    ARGV[4] now, epoch ms

  Replies (the convention of server/redis/lua-script.ts; taskHash etc.: see routing_lib.lua):
    {"ok", agentHash}
    {"ok"}             unknown agent: nothing changed
]]
if rcall("EXISTS", KEYS[1]) == 0 then return ok() end
freeLoad(ARGV[2], ARGV[3], ARGV[4])
return ok(rcall("HGETALL", KEYS[1]))

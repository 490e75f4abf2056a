--[[
  release_agent: the agent left the conversation; its load for it is freed (no-op when it had
  none). Idle from now when no load is left.

  Input:
    KEYS[1] agent hash {p}agent:{agentId}
    ARGV[1] prefix {p}
    ARGV[2] agentId
    ARGV[3] conversationId
    ARGV[4] now, epoch ms

  Output:
    {"ok", agentHash}
    {"none"}  unknown agent
]]
if rcall("EXISTS", KEYS[1]) == 0 then return {"none"} end
freeLoad(ARGV[2], ARGV[3], ARGV[4])
return {"ok", rcall("HGETALL", KEYS[1])}

--[[
  read_agents: every agent, read in one step (listAgents).

  KEYS:
    KEYS[1] the set of agent ids {p}agents

  ARGV:
    ARGV[1] prefix {p}

  Replies (the convention of server/redis/lua-script.ts; taskHash etc.: see routing_lib.lua):
    {"ok", {agentId, agentHash, agentId, agentHash, ...}}  in no order (the caller sorts)
]]
local out = {}
for _, id in ipairs(rcall("SMEMBERS", KEYS[1])) do
  local flat = rcall("HGETALL", agentKey(id))
  if #flat > 0 then
    out[#out + 1] = id
    out[#out + 1] = flat
  end
end
return ok(out)

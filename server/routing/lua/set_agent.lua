--[[
  set_agent: setAgentState and setConnected. Creates the agent (not_ready, disconnected, capacity
  1, no lists, idle since now) when unknown, applies what is given, and re-indexes its free slot.

  KEYS:
    KEYS[1] agent hash {p}agent:{agentId}

  ARGV:
    ARGV[1] prefix {p}
    ARGV[2] agentId
    ARGV[3] now, epoch ms
    ARGV[4] state "ready" | "not_ready", or "" to keep it (becoming ready sets idleSince to now)
    ARGV[5] capacity, or "" to keep it
    ARGV[6] lists as a JSON array of strings, or "" to keep them
    ARGV[7] connected "1" | "0", or "" to keep it

  Replies (the convention of server/redis/lua-script.ts; taskHash etc.: see routing_lib.lua):
    {"ok", agentHash}   the agent after the change
]]
local id, now = ARGV[2], ARGV[3]
local key = KEYS[1]
local newLists = nil
if ARGV[6] ~= "" then newLists = cjson.decode(ARGV[6]) end

ensureAgent(id, now)
if ARGV[4] ~= "" then
  if ARGV[4] == "ready" and rcall("HGET", key, "state") ~= "ready" then
    rcall("HSET", key, "idleSince", now)
  end
  rcall("HSET", key, "state", ARGV[4])
end
if ARGV[5] ~= "" then rcall("HSET", key, "capacity", ARGV[5]) end
local oldLists = nil
if newLists then
  oldLists = cjson.decode(rcall("HGET", key, "lists"))
  rcall("HSET", key, "lists", ARGV[6])
end
if ARGV[7] ~= "" then rcall("HSET", key, "connected", ARGV[7]) end
syncAgent(id, oldLists)
return ok(rcall("HGETALL", key))

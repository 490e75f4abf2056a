--[[
  set_agent: setAgentState and setConnected. Creates the agent (not_ready, disconnected, the default
  capacity, no lists, no skills, idle and in its state since now) when unknown, applies what is
  given, and re-indexes its free slot.

  KEYS:
    KEYS[1] agent hash {p}agent:{agentId}

  ARGV:
    ARGV[1] prefix {p}
    ARGV[2] agentId
    ARGV[3] now, epoch ms
    ARGV[4] state "ready" | "not_ready", or "" to keep it (becoming ready sets idleSince to now; a
            change of state or reason sets stateSince to now)
    ARGV[5] capacity, or "" to keep it
    ARGV[6] lists as a JSON array of strings, or "" to keep them
    ARGV[7] connected "1" | "0", or "" to keep it
    ARGV[8] skills as a JSON array of strings, or "" to keep them
    ARGV[9] with ARGV[4]: "" for no reason, else "1" .. reason (kept only with not_ready)
    ARGV[10] the default capacity, for an agent seen the first time

  Replies (the convention of server/redis/lua-script.ts; taskHash etc.: see routing_lib.lua):
    {"ok", agentHash}   the agent after the change
]]
local id, now = ARGV[2], ARGV[3]
local key = KEYS[1]
local newLists = nil
if ARGV[6] ~= "" then newLists = cjson.decode(ARGV[6]) end

ensureAgent(id, now, ARGV[10])
if ARGV[4] ~= "" then
  local cur = rcall("HMGET", key, "state", "reason")
  local reason = false -- as HMGET answers an absent field
  if ARGV[4] == "not_ready" and ARGV[9] ~= "" then reason = string.sub(ARGV[9], 2) end
  if ARGV[4] ~= cur[1] or reason ~= cur[2] then rcall("HSET", key, "stateSince", now) end
  if ARGV[4] == "ready" and cur[1] ~= "ready" then rcall("HSET", key, "idleSince", now) end
  rcall("HSET", key, "state", ARGV[4])
  if reason then rcall("HSET", key, "reason", reason) else rcall("HDEL", key, "reason") end
end
if ARGV[5] ~= "" then rcall("HSET", key, "capacity", ARGV[5]) end
local oldLists = nil
if newLists then
  oldLists = cjson.decode(rcall("HGET", key, "lists"))
  rcall("HSET", key, "lists", ARGV[6])
end
if ARGV[7] ~= "" then rcall("HSET", key, "connected", ARGV[7]) end
if ARGV[8] ~= "" then rcall("HSET", key, "skills", ARGV[8]) end
syncAgent(id, oldLists)
return ok(rcall("HGETALL", key))

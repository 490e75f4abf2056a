--[[
  routing_lib: shared prelude of every routing script (RedisRoutingStore prepends it, then
  routing_task_lib.lua, to each script's source before hashing, so each script is still one
  self-contained EVALSHA). This part: keys, small helpers, replies, agents.

  Convention of every routing script: ARGV[1] is the key prefix {p}. KEYS name the hash the call is
  about (a task or an agent); the other keys a decision needs (the agent picked, the queues, the
  indexes) are derived from {p} here, since they are only known inside the script. {p} is a hash
  tag (the hub's is `{<HUB_REDIS_PREFIX>:routing}:`), so every routing key is in one Redis Cluster
  slot and each script stays one atomic step there too: a decision reads every free agent and queue
  of a list at once, and that is what keeps a task from being offered to two agents and an agent
  from going above capacity. Routing's load is per offer and acceptance, not per message, so one
  slot is not the hub's ceiling; conversations (the per-message load) spread over all slots.

  Replies follow the hub's one convention (server/redis/lua-script.ts): {"ok", values...} or
  {"err", code, message, detailsJson}, built with ok() and err() below. Values used here:
    taskHash   a task hash as HGETALL returns it (field, value, ...)
    agentHash  an agent hash likewise
    closed     {taskHash, changed "1"|"0", revoked, freed, revokedOfferedAt}: a ClosedTask; revoked,
               freed and revokedOfferedAt are "" for none, else "1" .. value (so an empty id survives)

  Keys (ids are used raw: every kind below ends its fixed part with ':' or has none, so no id can
  make one key look like another):
    {p}agent:{agentId}       hash  state ready|not_ready, connected 1|0, capacity, lists and skills
                                   (JSON arrays, as the caller sent them), idleSince (epoch ms),
                                   stateSince (epoch ms), reason (the not-ready reason, absent for
                                   none), convs (JSON array of conversation ids = load), offers
                                   (JSON array of task ids = pending offers)
    {p}agents                set   every agent id
    {p}free:{listId}         zset  agents serving listId with a free slot (ready, connected,
                                   load + offers < capacity); score idleSince
    {p}free-all              zset  every agent with a free slot (for tasks without a list); same score
    {p}task:{taskId}         hash  the AgentTask fields (id, conversationId, state, agentId, listId,
                                   reason, createdAt, offeredAt, acceptedAt, closedAt; absent when
                                   unset; requiredSkills as a JSON array, absent for none),
                                   createdMs, mode push|pull, target (targetAgentId, absent for none),
                                   excluded (JSON array of agent ids, oldest refusal first),
                                   offerExpiresAt (while offered), posNoted and posNotedAt (the
                                   position last told and when, epoch ms; absent before the first)
    {p}conv-tasks:{convId}   list  task ids of the conversation, in creation order
    {p}queued:{listId}       zset  queued tasks of the list, both modes; score createdMs
    {p}queued-nolist         zset  the same for tasks without a list
    {p}push:{listId}         zset  queued push-mode tasks of the list; score createdMs
    {p}push-nolist           zset  the same for tasks without a list
    {p}waiting:{listId}      zset  queued or offered tasks of the list, both modes; score createdMs
    {p}waiting-nolist        zset  the same for tasks without a list
    {p}waits:{listId}        list  the last 20 waits (createdAt to accepted, ms) of the list, newest first
    {p}waits-nolist          list  the same for tasks without a list

  Invariant kept by every script: an agent is in free-all and in free:{l} for each of its lists
  exactly when it has a free slot (syncAgent after any change to it); a task is in the queued (and,
  push mode, push) index of its list exactly while it is queued, and in its waiting index while
  queued or offered. A zset orders equal scores by member bytes, so walking free:{l} from the start
  is pickAgent's order (idle longest, ties by agentId) and walking push:{l} or waiting:{l} is
  compareTasks' order (createdAt, then id).

  Time is only ever what the caller passed (epoch ms and its ISO form): scripts never read a clock.
  Every script checks everything it may refuse before its first write (no rollback in Lua).
]]
local rcall = redis.call
local P = ARGV[1]

local AGENTS = P .. "agents"
local function agentKey(id) return P .. "agent:" .. id end
local function taskKey(id) return P .. "task:" .. id end
local function convTasksKey(convId) return P .. "conv-tasks:" .. convId end
local function freeKey(listId)
  if listId == nil then return P .. "free-all" end
  return P .. "free:" .. listId
end
local function queuedKey(listId)
  if listId == nil then return P .. "queued-nolist" end
  return P .. "queued:" .. listId
end
local function pushKey(listId)
  if listId == nil then return P .. "push-nolist" end
  return P .. "push:" .. listId
end
local function waitingKey(listId)
  if listId == nil then return P .. "waiting-nolist" end
  return P .. "waiting:" .. listId
end
local function waitsKey(listId)
  if listId == nil then return P .. "waits-nolist" end
  return P .. "waits:" .. listId
end

-- ---- small helpers ------------------------------------------------------------------------

-- A JSON array of strings (cjson would encode an empty table as {}).
local function encodeStrings(t)
  local parts = {}
  for i, s in ipairs(t) do parts[i] = cjson.encode(s) end
  return "[" .. table.concat(parts, ",") .. "]"
end

local function contains(t, s)
  for _, x in ipairs(t) do
    if x == s then return true end
  end
  return false
end

local function without(t, s)
  local out = {}
  for _, x in ipairs(t) do
    if x ~= s then out[#out + 1] = x end
  end
  return out
end

-- Byte order, like a zset orders members (Lua's `<` on strings follows the server's locale).
local function bytesLess(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

local function hashOf(flat)
  local h = {}
  for i = 1, #flat, 2 do h[flat[i]] = flat[i + 1] end
  return h
end

-- The replies of the convention: {"ok", ...} and {"err", code, message, detailsJson or ""}, which
-- LuaScript.run turns into the hub's errors (not_found: message names what is missing).
local function ok(...)
  return {"ok", ...}
end

local function err(code, message, details)
  local d = ""
  if details ~= nil then d = cjson.encode(details) end
  return {"err", code, message, d}
end

-- ---- agents -------------------------------------------------------------------------------

-- Creates the agent when unknown: not ready, disconnected, the store's default capacity.
local function ensureAgent(id, now, capacity)
  local key = agentKey(id)
  if rcall("EXISTS", key) == 0 then
    rcall("HSET", key, "state", "not_ready", "connected", "0", "capacity", capacity, "lists", "[]",
      "skills", "[]", "idleSince", now, "stateSince", now, "convs", "[]", "offers", "[]")
    rcall("SADD", AGENTS, id)
  end
end

-- The agent decoded, or nil when unknown.
local function readAgent(id)
  local f = rcall("HMGET", agentKey(id), "state", "connected", "capacity", "lists", "idleSince", "convs", "offers", "skills")
  if not f[1] then return nil end
  return {
    id = id,
    state = f[1],
    connected = f[2] == "1",
    capacity = tonumber(f[3]),
    lists = cjson.decode(f[4]),
    idleSince = f[5],
    convs = cjson.decode(f[6]),
    offers = cjson.decode(f[7]),
    skills = cjson.decode(f[8] or "[]"),
  }
end

-- hasFreeCapacity of routing-rules.ts.
local function isFree(a)
  return a.state == "ready" and a.connected and #a.convs + #a.offers < a.capacity
end

-- servesList of routing-rules.ts (listId nil: a task without a list).
local function serves(a, listId)
  return listId == nil or contains(a.lists, listId)
end

-- hasSkills of routing-rules.ts: every skill the task requires (t: a task as readTask answers it).
local function hasSkills(a, t)
  if t.requiredSkills == nil then return true end
  for _, s in ipairs(cjson.decode(t.requiredSkills)) do
    if not contains(a.skills, s) then return false end
  end
  return true
end

-- Puts the agent in or takes it out of the free indexes; oldLists: lists it served before a change.
local function syncAgent(id, oldLists)
  local a = readAgent(id)
  if not a then return end
  local keys = {freeKey(nil)}
  for _, l in ipairs(a.lists) do keys[#keys + 1] = freeKey(l) end
  if isFree(a) then
    for _, k in ipairs(keys) do rcall("ZADD", k, a.idleSince, id) end
  else
    for _, k in ipairs(keys) do rcall("ZREM", k, id) end
  end
  if oldLists then
    for _, l in ipairs(oldLists) do
      if not contains(a.lists, l) then rcall("ZREM", freeKey(l), id) end
    end
  end
end

local function addOffer(agentId, taskId)
  local key = agentKey(agentId)
  local offers = cjson.decode(rcall("HGET", key, "offers"))
  offers[#offers + 1] = taskId
  rcall("HSET", key, "offers", encodeStrings(offers))
  syncAgent(agentId)
end

local function dropOffer(agentId, taskId)
  local key = agentKey(agentId)
  local raw = rcall("HGET", key, "offers")
  if not raw then return end
  rcall("HSET", key, "offers", encodeStrings(without(cjson.decode(raw), taskId)))
  syncAgent(agentId)
end

-- The conversation becomes load of the agent (once).
local function addLoad(agentId, convId)
  local key = agentKey(agentId)
  local convs = cjson.decode(rcall("HGET", key, "convs"))
  if not contains(convs, convId) then
    convs[#convs + 1] = convId
    rcall("HSET", key, "convs", encodeStrings(convs))
  end
end

-- Frees the agent's load for the conversation; true when it had it. Idle from now when none is left.
local function freeLoad(agentId, convId, nowMs)
  local key = agentKey(agentId)
  local raw = rcall("HGET", key, "convs")
  if not raw then return false end
  local convs = cjson.decode(raw)
  if not contains(convs, convId) then return false end
  convs = without(convs, convId)
  rcall("HSET", key, "convs", encodeStrings(convs))
  if #convs == 0 then rcall("HSET", key, "idleSince", nowMs) end
  syncAgent(agentId)
  return true
end
